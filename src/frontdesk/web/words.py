"""Words the templates translate from data (a status, a priority, a changed field, an error
title): listed here so that extraction finds them and every catalogue must carry them."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


DATA_WORDS = (
    # statuses and priorities
    N_("New"),
    N_("Open"),
    N_("Pending"),
    N_("On hold"),
    N_("Solved"),
    N_("Closed"),
    N_("Low"),
    N_("Normal"),
    N_("High"),
    N_("Urgent"),
    N_("Failed"),
    # fields a timeline entry names
    N_("Status"),
    N_("Priority"),
    N_("Assignee"),
    N_("Team"),
    N_("Tags"),
    N_("Subject"),
    N_("Language"),
    N_("Custom fields"),
    N_("Contact"),
    N_("Satisfaction"),
    N_("Comment"),
    # error titles
    N_("Bad request"),
    N_("Not found"),
    N_("Forbidden"),
    N_("Invalid input"),
    N_("Conflict"),
    N_("Sign in"),
    N_("Not allowed"),
    N_("Error"),
)
