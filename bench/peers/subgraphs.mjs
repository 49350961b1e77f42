// The four subgraphs of The Guild's public federation benchmark (graphql-hive/graphql-gateways-benchmark,
// federation/subgraphs/{accounts,inventory,products,reviews}), ported to graphql-js: the same schema,
// the same data and the same quirks, on one port, one path per subgraph (/accounts, /inventory,
// /products, /reviews). Our own port, written from the reference's behaviour:
//   - accounts: six users; `me` is the first; the User entity is found by id.
//   - products: nine products; `topProducts(first = 5)` the first n; the Product entity by upc.
//   - inventory: `inStock` per upc; its Product entity is looked up by upc alone, so the `price`
//     and `weight` the gateway sends for `@requires(fields: "price weight")` are ignored and
//     `shippingEstimate` (0 above a price of 1000, else weight / 2) is always null, as in the
//     reference, whose entity resolver only takes the key.
//   - reviews: eleven reviews; `Review.author` is always user 1 ("urigo", provided) with the first
//     two reviews; the User entity is any id with username "user" and the first two reviews;
//     `Product.reviews` are the reviews of that upc.
// The reference's SUBGRAPH_DELAY_MS (a sleep before each answer) is honoured too.
// SHIPPING_ESTIMATE=computed makes inventory use the price and weight of the representation
// instead (what the benchmark's newer k6 script expects: shippingEstimate 50 for the Table).
// Usage: node subgraphs.mjs <port>        (bench/public.py puts replay.mjs in front of it)
import { createServer } from "node:http";
import { buildSchema, execute, parse, validate } from "graphql";

const port = Number(process.argv[2] ?? 4200);
const delayMs = Number(process.env.SUBGRAPH_DELAY_MS ?? 0);
const shippingComputed = process.env.SHIPPING_ESTIMATE === "computed";

const USERS = [
  ["1", "Uri Goldshtein", "urigo"],
  ["2", "Dotan Simha", "dotansimha"],
  ["3", "Kamil Kisiela", "kamilkisiela"],
  ["4", "Arda Tanrikulu", "ardatan"],
  ["5", "Gil Gardosh", "gilgardosh"],
  ["6", "Laurin Quast", "laurin"],
].map(([id, name, username]) => ({ id, name, username, birthday: 1234567890 }));

const PRODUCTS = [
  ["1", "Table", 899, 100],
  ["2", "Couch", 1299, 1000],
  ["3", "Glass", 15, 20],
  ["4", "Chair", 499, 100],
  ["5", "TV", 1299, 1000],
  ["6", "Lamp", 6999, 300],
  ["7", "Grill", 3999, 2000],
  ["8", "Fridge", 100000, 6000],
  ["9", "Sofa", 9999, 800],
].map(([upc, name, price, weight]) => ({ upc, name, price, weight }));

const IN_STOCK = { 1: true, 2: false, 3: false, 4: false, 5: true, 6: true, 7: true, 8: false, 9: true };

const LOREM =
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.";
const SED_UT =
  "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugi";
const SED_QUIA =
  "sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora incidunt ut labore et dolore magnam aliquam quaerat voluptatem.";
const UT_ENIM = "Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ex ea commodi consequatur? Quis autem";
const AT_VERO =
  "At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique sunt in culpa qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum facilis est et expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque nihil impedit quo minus id quod maxime placeat facere possimus, omnis voluptas assumenda est, omnis dolor repellendus. Temporibus autem quibusdam et aut officiis debitis aut rerum necessitatibus saepe eveniet ut et voluptates repudiandae sint et molestiae non recusandae. Itaque earum rerum hic tenetur a sapiente delectus, ut aut reiciendis voluptatibus maiores alias consequatur aut perferendis doloribus asperiores repellat.";

// [id, body, upc of the product reviewed]
const REVIEWS = [
  [LOREM, "1"], [SED_UT, "1"], [SED_QUIA, "1"], [UT_ENIM, "1"],
  [LOREM, "2"], [SED_UT, "2"], [SED_QUIA, "2"], [UT_ENIM, "2"],
  [UT_ENIM, "3"], [UT_ENIM, "4"], [AT_VERO, "4"],
].map(([body, upc], index) => ({ __typename: "Review", id: String(index + 1), body, product: { __typename: "Product", upc } }));

const FIRST_TWO_REVIEWS = REVIEWS.slice(0, 2);

function required(found, what) {
  if (found === undefined) throw new Error(`${what} not found`);
  return found;
}

// Each subgraph: the SDL it publishes (`_service { sdl }`, Federation 1 style like the reference's
// async-graphql output), the SDL it executes (plain types), and its resolvers.
const FEDERATION = `scalar _Any\ntype _Service { sdl: String }\n`;

const SUBGRAPHS = {
  accounts: {
    sdl: `extend type Query {\n  me: User\n  user(id: ID!): User\n  users: [User]\n}\n\ntype User @key(fields: "id") {\n  id: ID!\n  name: String\n  username: String\n  birthday: Int\n}\n`,
    types: `type User { id: ID! name: String username: String birthday: Int }\nunion _Entity = User\n`,
    query: `me: User\n user(id: ID!): User\n users: [User]`,
    root: {
      me: () => USERS[0],
      user: ({ id }) => USERS.find((user) => user.id === id) ?? null,
      users: () => USERS,
    },
    entity: { User: ({ id }) => required(USERS.find((user) => user.id === String(id)), `user ${id}`) },
  },
  inventory: {
    sdl: `extend type Product @key(fields: "upc") {\n  upc: String! @external\n  weight: Int @external\n  price: Int @external\n  inStock: Boolean\n  shippingEstimate: Int @requires(fields: "price weight")\n}\n`,
    types: `type Product { upc: String! weight: Int price: Int inStock: Boolean shippingEstimate: Int }\nunion _Entity = Product\n`,
    query: ``,
    root: {},
    entity: {
      // The key only: price and weight of the representation are dropped (the reference's quirk).
      Product: ({ upc, price, weight }) => {
        const inStock = required(IN_STOCK[String(upc)], `product ${upc}`);
        if (shippingComputed) return { upc: String(upc), inStock, price: price ?? null, weight: weight ?? null };
        return { upc: String(upc), inStock, price: null, weight: null };
      },
    },
    fields: {
      Product: {
        shippingEstimate: (product) => {
          if (product.price === null) return null;
          if (product.price > 1000) return 0;
          return product.weight === null ? null : Math.trunc(product.weight / 2);
        },
      },
    },
  },
  products: {
    sdl: `extend type Query {\n  topProducts(first: Int = 5): [Product]\n}\n\ntype Product @key(fields: "upc") {\n  upc: String!\n  name: String\n  price: Int\n  weight: Int\n}\n`,
    types: `type Product { upc: String! name: String price: Int weight: Int }\nunion _Entity = Product\n`,
    query: `topProducts(first: Int = 5): [Product]`,
    root: { topProducts: ({ first }) => PRODUCTS.slice(0, first ?? 5) },
    entity: { Product: ({ upc }) => required(PRODUCTS.find((product) => product.upc === String(upc)), `product ${upc}`) },
  },
  reviews: {
    sdl: `type Review @key(fields: "id") {\n  id: ID!\n  body: String\n  product: Product\n  author: User @provides(fields: "username")\n}\n\nextend type User @key(fields: "id") {\n  id: ID! @external\n  username: String @external\n  reviews: [Review]\n}\n\nextend type Product @key(fields: "upc") {\n  upc: String! @external\n  reviews: [Review]\n}\n`,
    types: `type Review { id: ID! body: String product: Product author: User }\ntype User { id: ID! username: String reviews: [Review] }\ntype Product { upc: String! reviews: [Review] }\nunion _Entity = Review | User | Product\n`,
    query: ``,
    root: {},
    entity: {
      Review: ({ id }) => required(REVIEWS.find((review) => review.id === String(id)), `review ${id}`),
      User: ({ id }) => ({ id: String(id), username: "user", reviews: FIRST_TWO_REVIEWS }),
      Product: ({ upc }) => ({ upc: String(upc) }),
    },
    fields: {
      Review: { author: () => ({ id: "1", username: "urigo", reviews: FIRST_TWO_REVIEWS }) },
      Product: { reviews: (product) => REVIEWS.filter((review) => review.product.upc === product.upc) },
    },
  },
};

function executable(name, subgraph) {
  const schema = buildSchema(
    `${FEDERATION}${subgraph.types}type Query {\n ${subgraph.query}\n _entities(representations: [_Any!]!): [_Entity]!\n _service: _Service!\n}\n`,
  );
  const query = schema.getQueryType().getFields();
  for (const [field, resolve] of Object.entries(subgraph.root)) query[field].resolve = (_source, args) => resolve(args);
  query._service.resolve = () => ({ sdl: subgraph.sdl });
  query._entities.resolve = (_source, { representations }) =>
    representations.map((representation) => {
      const find = subgraph.entity[representation.__typename];
      if (!find) throw new Error(`${name} has no entity ${representation.__typename}`);
      return { __typename: representation.__typename, ...find(representation) };
    });
  schema.getType("_Entity").resolveType = (value) => value.__typename;
  for (const [type, fields] of Object.entries(subgraph.fields ?? {})) {
    const defined = schema.getType(type).getFields();
    for (const [field, resolve] of Object.entries(fields)) defined[field].resolve = resolve;
  }
  return schema;
}

const schemas = Object.fromEntries(Object.entries(SUBGRAPHS).map(([name, subgraph]) => [name, executable(name, subgraph)]));

async function answer(name, body) {
  const schema = schemas[name];
  if (!schema) return [404, { errors: [{ message: `no subgraph ${name}` }] }];
  let request;
  let document;
  try {
    request = JSON.parse(body);
    document = parse(request.query);
  } catch (error) {
    return [400, { errors: [{ message: String(error.message ?? error) }] }];
  }
  const errors = validate(schema, document);
  if (errors.length) return [200, { errors }];
  const result = await execute({ schema, document, variableValues: request.variables, operationName: request.operationName });
  return [200, result];
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const name = request.url.slice(1).split(/[/?]/)[0];
    const [status, result] = await answer(name, Buffer.concat(chunks).toString("utf8"));
    const payload = Buffer.from(JSON.stringify(result));
    response.writeHead(status, { "content-type": "application/json", "content-length": payload.length });
    response.end(payload);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log(`subgraphs ${Object.keys(SUBGRAPHS).join(", ")} on ${port}`));
