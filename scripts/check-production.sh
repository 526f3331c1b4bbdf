#!/usr/bin/env bash
# The documented production install, run for real: build with the dev tools, drop them with
# `npm prune --omit=dev`, start `node dist/src/main.js` on a fresh SQLite database, and answer
# a GraphQL request with the printed admin token. It PRUNES node_modules: CI runs it last;
# on a development tree run it in a copy (or `npm ci` afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build --silent
npm prune --omit=dev --no-audit --no-fund

dir="$(mktemp -d)"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
DATABASE_URL="file:${dir}/production.db" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn node dist/src/main.js >"${dir}/out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

node - "$port" "${dir}/out" <<'JS'
const [port, out] = process.argv.slice(2);
const fs = require('fs');
(async () => {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch {}
    if (i > 120) { console.error(fs.readFileSync(out, 'utf8')); throw new Error('not ready after 60 s'); }
    await new Promise((r) => setTimeout(r, 500));
  }
  const token = /mg_[A-Za-z0-9_-]+/.exec(fs.readFileSync(out, 'utf8'))?.[0];
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { name roles } }' }),
  });
  const body = await response.json();
  if (body?.data?.viewer?.name !== 'admin') throw new Error(`unexpected answer: ${JSON.stringify(body)}`);
  console.log('production install: started without devDependencies and answered', JSON.stringify(body));
})().catch((error) => { console.error(error.message); process.exit(1); });
JS
kill -TERM "$pid"
wait "$pid"
echo "production install: stopped cleanly"
