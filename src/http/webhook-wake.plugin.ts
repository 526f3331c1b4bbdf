import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Wakes this process's webhook dispatcher when a mutation's answer is sent (its transaction has
 * committed by then), so its deliveries go out at once instead of at the next poll. Writes made
 * through other processes are found by the poll (WEBHOOK_POLL_INTERVAL).
 */
export function webhookWakePlugin(wake: () => void): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation === 'mutation') wake();
        },
      };
    },
  };
}
