"""Automation: triggers on ticket events, time rules checked every minute, macros applied
by an agent in one click, and the minute tick that runs every scheduled sweep.

- `rules`     — conditions and actions: checked, evaluated, applied
- `engine`    — fires triggers, at most once per ticket per transaction
- `time_rules`— the minute's time rules
- `admin`     — create, change and delete triggers, time rules and macros; apply a macro
- `schedule`  — the self-renewing minute tick job
- `replies`   — automatic replies and placeholders
"""
