// Apollo's query plan for an operation over a supergraph (@apollo/query-planner, as @apollo/gateway plans),
// to compare with ours (`python -m gateway plan --supergraph F --query Q`).
// Usage: node bench/peers/apollo-plan.mjs <supergraph.graphql> <query.graphql>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { QueryPlanner, prettyFormatQueryPlan } = require("@apollo/query-planner");
const { Supergraph, operationFromDocument } = require("@apollo/federation-internals");
const { parse } = require("graphql");

const [supergraphFile, queryFile] = process.argv.slice(2);
if (!supergraphFile || !queryFile) {
  console.error("usage: node apollo-plan.mjs <supergraph.graphql> <query.graphql>");
  process.exit(2);
}
const supergraph = Supergraph.build(readFileSync(supergraphFile, "utf8"));
const operation = operationFromDocument(supergraph.schema, parse(readFileSync(queryFile, "utf8")));
const plan = new QueryPlanner(supergraph).buildQueryPlan(operation);
console.log(prettyFormatQueryPlan(plan));
console.error(`fetches: ${(prettyFormatQueryPlan(plan).match(/Fetch\(service:/g) ?? []).length}`);
