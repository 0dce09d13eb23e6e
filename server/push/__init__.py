"""Web Push: subscriptions, the notification outbox, and the sender (PROTOCOL.md §9)."""
