// Hive Gateway over our services, configured as The Guild's public benchmark configures it
// (in-flight deduplication of identical inbound requests, graphql-jit), plus what our subgraphs
// need: the caller's Authorization header propagated to them (deduplication keys on all headers
// by default, so callers with different tokens never share an execution).
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: true,
  jit: true,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get("authorization");
      return authorization ? { authorization } : {};
    },
  },
});
