import { createServer, type Server } from 'node:http';
import { FoundationCreateModelDocument, FoundationModelNameDocument } from './__generated__/graphql';
import { startApi, type TestApi } from './support/api';

// An operator points OTEL_EXPORTER_OTLP_ENDPOINT at a collector: each request becomes a trace
// that continues the caller's traceparent, with a span per request, per GraphQL operation and
// per SQL statement. The collector here is an OTLP/HTTP receiver in this test process.
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

let receiver: Server;
let receiverUrl: string;
const spans: OtlpSpan[] = [];
const requests: { path: string; contentType: string | undefined }[] = [];

/** OTLP/JSON ids are hex; an exporter configured for base64 would send that: accept both. */
const hex = (id: string | undefined) => (id && !/^[0-9a-f]*$/.test(id) ? Buffer.from(id, 'base64').toString('hex') : (id ?? ''));
const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const r of parsed.resourceSpans)
        for (const s of r.scopeSpans)
          for (const span of s.spans)
            spans.push({ ...span, traceId: hex(span.traceId), spanId: hex(span.spanId), parentSpanId: hex(span.parentSpanId) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

describe('OpenTelemetry tracing', () => {
  it('exports a trace per request continuing traceparent: request > operation > SQL statements', async () => {
    const api: TestApi = await startApi({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_SERVICE_NAME: 'modelgate-test' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    let statements: number;
    try {
      await api.data(FoundationCreateModelDocument, { input: { name: 'traced' } });
      const traced = await api.gql(
        FoundationModelNameDocument,
        { name: 'traced' },
        { headers: { traceparent: `00-${traceId}-${callerSpan}-01` } },
      );
      expect(traced.data?.registeredModel?.name).toBe('traced');
      statements = traced.statements;
    } finally {
      await api.stop(); // flushes the batch
    }
    expect(requests.every((r) => r.path === '/v1/traces' && /json/.test(r.contentType ?? ''))).toBe(true);

    const trace = spans.filter((s) => s.traceId === traceId);
    const request = trace.find((s) => s.name === 'POST /graphql')!;
    expect(request).toBeDefined();
    expect(request.parentSpanId).toBe(callerSpan);
    expect(attribute(request, 'http.response.status_code')).toEqual(expect.anything());
    const operation = trace.find((s) => s.name === 'query FoundationModelName')!;
    expect(operation).toBeDefined();
    expect(operation.parentSpanId).toBe(request.spanId);
    expect(attribute(operation, 'graphql.operation.type')).toBe('query');
    const sql = trace.filter((s) => s.name === 'db.query');
    // Every statement the request ran is a span: the API key lookup and the model read.
    expect(sql.length).toBe(statements);
    expect(sql.every((s) => [operation.spanId, request.spanId].includes(s.parentSpanId!))).toBe(true);
    expect(sql.some((s) => s.parentSpanId === operation.spanId && /SELECT/i.test(String(attribute(s, 'db.statement'))))).toBe(true);
    // A request without traceparent starts its own trace.
    expect(spans.filter((s) => s.name === 'mutation FoundationCreateModel' && s.traceId !== traceId)).toHaveLength(1);
  });

  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: nothing is exported and no statement observer runs', async () => {
    const before = requests.length;
    const api = await startApi();
    try {
      expect(api.db.statements.observer).toBeUndefined();
      await api.data(FoundationModelNameDocument, { name: 'x' });
    } finally {
      await api.stop();
    }
    expect(requests.length).toBe(before);
  });
});
