"""Config for the admins' own commands: `[admin]` in the TOML (what /reload answers)."""

from __future__ import annotations

from pydantic import Field

from bot.settings import Section, default, message


class AdminMessages(Section):
    """What /reload answers the admin who asked. A SIGHUP or `hearth reload` re-reads the file
    too (its log says how it went). A file with problems keeps the running config; one that
    changes a key needing a restart (see the README) is refused as a whole."""

    reloaded: message("source") = default(
        "Done: I'm now using the config in {source}. Nothing held in memory was lost, and the "
        "connections stayed up.")
    reload_problems: message("source", "problems", "details") = default(
        "I kept the running config, because {source} has {problems}:\n{details}\nOnce they're "
        "fixed, run /reload again.")
    reload_needs_restart: message("source", "keys") = default(
        "I kept the running config: {source} changes {keys}, and those only take effect when "
        "Hearth restarts. Restart Hearth to apply the whole file, or undo those changes and "
        "run /reload again.")
    reload_unavailable: message() = default(
        "Reloading isn't available here: I wasn't started from a config file I can read again.")


class AdminSettings(Section):
    """The admins' own commands."""

    messages: AdminMessages = Field(default_factory=AdminMessages)
