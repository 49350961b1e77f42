"""The notices service (通知): per-person inboxes fed by domain events, reminders, outgoing channels."""
