// Hive Gateway as the public benchmark configures it, but without inbound in-flight deduplication
// (its default): graphql-jit only; started as `NODE_ENV=production hive-gateway supergraph <file> --jit`.
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: false,
  jit: true,
});
