"""Partner events: the ordered, replayable feed of every domain event, subscriptions and signed webhooks."""
