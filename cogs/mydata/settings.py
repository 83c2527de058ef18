"""Config for members' data rights: `[mydata]` in the TOML."""

from __future__ import annotations

from pydantic import Field

from bot.settings import Duration, Section, default, message


class MydataMessages(Section):
    """What /mydata says. {name} is the member's name, {community} the community's."""

    what: message("community", "features") = default(
        "Here's what Hearth keeps about members of {community}, and for how long:\n{features}\n"
        "You can take a copy with /mydata export, or ask me to forget you with /mydata forget.")
    """/mydata what; {features} is one `what_feature` line per feature."""
    what_feature: message("feature", "statement") = default("• **{feature}**: {statement}")
    """One line of /mydata what; {statement} is the feature's own plain-words declaration (or
    yours, from [mydata.statements])."""
    export_ready: message("name", "community", "summary", "filename") = default(
        "Here's everything Hearth keeps about you in {community}, {name}, as {filename}. "
        "In short:\n{summary}")
    """Beside the export file, privately; {summary} counts what each feature keeps."""
    export_inline: message("name", "community", "summary", "data") = default(
        "Here's everything Hearth keeps about you in {community}, {name}. In short:\n{summary}\n"
        "The full copy:\n{data}")
    """When the file can't be attached (a Slack app without the files:write scope, an upload
    Slack refused): a private message with the JSON inline as {data}."""
    export_sent: message("name") = default(
        "I've sent you your data privately, {name}. It's yours to keep.")
    """The reply to /mydata export once the file is on its way."""
    nothing_kept: message("name", "community") = default(
        "Hearth keeps nothing about you in {community} right now, {name}.")
    """/mydata export when nothing is kept."""
    forget_preview: message("name", "community", "deleted", "kept", "minutes") = default(
        "Here's what forgetting you in {community} would do, {name}.\n"
        "Deleted for good:\n{deleted}\n"
        "Kept on purpose:\n{kept}\n"
        "If that's what you'd like, run /mydata forget confirm:yes within {minutes}. "
        "It can't be undone, and a copy first (/mydata export) is a good idea.")
    """The preview /mydata forget shows first; {deleted} and {kept} are lists of lines."""
    forget_nothing_kept: message() = default("• nothing")
    """In the preview, for an empty list."""
    forget_kept_until: message("feature", "what", "why", "until") = default(
        "• {feature}: {what}, {why}; deleted {until}")
    """A record kept with an end date (a warning case)."""
    forget_kept_while: message("feature", "what", "why") = default(
        "• {feature}: {what}, {why}")
    """A record kept, unlinked from the member (votes, thanks they gave)."""
    forget_deleted: message("feature", "what") = default("• {feature}: {what}")
    """A line of what is deleted."""
    forget_confirm_first: message("minutes") = default(
        "Before I forget anything, please look at what it would mean: run /mydata forget, then "
        "confirm within {minutes}.")
    """`/mydata forget confirm:yes` without a recent preview."""
    forgotten: message("name", "community", "kept") = default(
        "Done, {name}: Hearth has forgotten you in {community}. {kept}"
        "If you stay or come back, you'll start afresh. Take care.")
    """After forgetting; {kept} is `forgotten_kept` when some records stay, else nothing."""
    forgotten_kept: message("count") = default(
        "What I said I'd keep stays ({count}) and goes when its time is up. ")
    """The {kept} part of `forgotten`; {count} reads like "1 record"."""
    forget_nothing: message("name", "community") = default(
        "There's nothing to forget, {name}: Hearth keeps nothing about you in {community}.")
    """/mydata forget when nothing is kept."""


class MydataSettings(Section):
    """Members' data rights: /mydata what (what Hearth keeps, feature by feature, and for how
    long), /mydata export (a JSON file and a short summary, privately) and /mydata forget (a
    preview of what is deleted and what is kept and until when, then a confirmation). The same
    runs from the command line: hearth data export|forget --community C --member ID."""

    confirm_within: Duration = default("15m")
    """How long after the preview `/mydata forget confirm:yes` is accepted."""
    retention_every: Duration = default("1d")
    """How often every feature's retention rule is applied (the first run is at start-up)."""
    statements: dict[str, message()] = Field(default_factory=dict)
    """Your own wording of what a feature keeps, replacing its built-in statement in /mydata
    what, by feature name (introductions, reputation, badges, contests, moderation, greetings,
    core). Keep the durations true to your retention settings."""
    messages: MydataMessages = Field(default_factory=MydataMessages)
