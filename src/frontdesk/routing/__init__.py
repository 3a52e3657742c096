"""Who gets a ticket: manual, round-robin, least-loaded or skills-based routing per team or
inbox, agents' availability and capacity per channel, a queue when everyone is full, and
a record of every transfer (the run-around metric) and escalation to a supervisor.

- `settings`   — routing settings, skills and capacities, cached per process
- `decide`     — picks an agent for a ticket (or none: the ticket waits)
- `assignment` — routes new tickets, drains the queue, re-routes when an agent leaves
- `transfers`  — records transfers, transfers with a reason, escalates to a supervisor
- `notify`     — tells agents about something on a ticket (live event + audit)
- `admin`      — the settings' actions for the API
"""
