"""Config for members' data rights: `[mydata]` in the TOML."""

from __future__ import annotations

from pydantic import Field

from bot.settings import Duration, Section, default, message


class MydataMessages(Section):
    what: message("community", "features") = default(
        "Here's what Hearth keeps about members of {community}, and for how long:\n{features}\n"
        "You can take a copy with /mydata export, or ask me to forget you with /mydata forget.")
    # One line per feature in `what`; `statement` is the feature's own plain-words declaration.
    what_feature: message("feature", "statement") = default("• **{feature}**: {statement}")
    export_ready: message("name", "community", "summary", "filename") = default(
        "Here's everything Hearth keeps about you in {community}, {name}, as {filename}. "
        "In short:\n{summary}")
    # When the platform can't attach a file privately: the same, with the data inline.
    export_inline: message("name", "community", "summary", "data") = default(
        "Here's everything Hearth keeps about you in {community}, {name}. In short:\n{summary}\n"
        "The full copy:\n{data}")
    export_sent: message("name") = default(
        "I've sent you your data privately, {name}. It's yours to keep.")
    nothing_kept: message("name", "community") = default(
        "Hearth keeps nothing about you in {community} right now, {name}.")
    forget_preview: message("name", "community", "deleted", "kept", "minutes") = default(
        "Here's what forgetting you in {community} would do, {name}.\n"
        "Deleted for good:\n{deleted}\n"
        "Kept on purpose:\n{kept}\n"
        "If that's what you'd like, run /mydata forget confirm:yes within {minutes}. "
        "It can't be undone, and a copy first (/mydata export) is a good idea.")
    forget_nothing_kept: message() = default("• nothing")
    forget_kept_until: message("feature", "what", "why", "until") = default(
        "• {feature}: {what}, {why}; deleted {until}")
    forget_kept_while: message("feature", "what", "why") = default(
        "• {feature}: {what}, {why}")
    forget_deleted: message("feature", "what") = default("• {feature}: {what}")
    forget_confirm_first: message("minutes") = default(
        "Before I forget anything, please look at what it would mean: run /mydata forget, then "
        "confirm within {minutes}.")
    forgotten: message("name", "community", "kept") = default(
        "Done, {name}: Hearth has forgotten you in {community}. {kept}"
        "If you stay or come back, you'll start afresh. Take care.")
    forgotten_kept: message("count") = default(
        "What I said I'd keep stays ({count}) and goes when its time is up. ")
    forget_nothing: message("name", "community") = default(
        "There's nothing to forget, {name}: Hearth keeps nothing about you in {community}.")


class MydataSettings(Section):
    # How long after the preview `/mydata forget confirm:yes` is accepted.
    confirm_within: Duration = default("15m")
    # How often the retention rules of every feature are applied.
    retention_every: Duration = default("1d")
    # Feature name -> your own wording of what it keeps, replacing its built-in statement in
    # /mydata what (keep the durations true to your retention settings).
    statements: dict[str, message()] = Field(default_factory=dict)
    messages: MydataMessages = Field(default_factory=MydataMessages)
