"""The shared kernel: settings, events, bus, store, identity, GraphQL helpers, app factory.

It knows nothing of any one service; every service builds on it the same way.
"""
