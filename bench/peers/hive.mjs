// Hive Gateway (@graphql-hive/gateway's runtime), one process, on a supergraph file;
// forwards the caller's Authorization header to the subgraphs, as ours does.
// Usage: node hive.mjs <supergraph.graphql> <port>
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";

const [supergraphFile, port] = process.argv.slice(2);
const gateway = createGatewayRuntime({
  supergraph: supergraphFile,
  graphqlEndpoint: "/graphql",
  landingPage: false,
  graphiql: false,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get("authorization");
      return authorization ? { authorization } : {};
    },
  },
});
createServer(gateway).listen(Number(port), "127.0.0.1", () => console.log(`hive gateway at http://127.0.0.1:${port}/graphql`));
