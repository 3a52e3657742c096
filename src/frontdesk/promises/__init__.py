"""Follow-through: promises agents make (with reminders and a broken count), and the
follow-up of tickets that wait for the customer (nudge, auto-solve, snooze).

- `records`   — promises: make, keep, cancel, list; reminders and breaking in the sweep
- `followups` — per-inbox follow-up policy, pending tracking, snooze, and their sweep
"""
