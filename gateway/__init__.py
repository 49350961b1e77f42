"""The federation gateway: one graph for a whole district over the needs, claims and orgs subgraphs."""
