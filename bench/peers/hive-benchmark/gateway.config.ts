// Hive Gateway as The Guild's public gateway benchmark configures it (gateways/hive-gateway in
// graphql-hive/graphql-gateways-benchmark): in-flight deduplication of identical inbound requests
// and graphql-jit; started as `NODE_ENV=production hive-gateway supergraph <file> --jit`.
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: true,
  jit: true,
});
