"""GraphQL pieces every subgraph shares: typed errors, pagination, scalars, limits, the view."""
