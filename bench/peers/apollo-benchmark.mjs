// Apollo Gateway as The Guild's public gateway benchmark configures it (gateways/apollo-gateway):
// ApolloGateway on the supergraph file and ApolloServer with their defaults, under
// startStandaloneServer, NODE_ENV=production; one cluster worker per available CPU but one, the
// primary serving alone when there is one CPU (bench/ pins it to one, so one process serves).
// Usage: NODE_ENV=production node apollo-benchmark.mjs <supergraph.graphql> <port>
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway } from "@apollo/gateway";

const [supergraphFile, port] = process.argv.slice(2);
const workers = availableParallelism() - 1;
if (cluster.isPrimary && workers > 0) {
  for (let i = 0; i < workers; i += 1) cluster.fork();
} else {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphFile, "utf8") });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: "127.0.0.1" } });
  console.log(`apollo gateway at ${url}`);
}
