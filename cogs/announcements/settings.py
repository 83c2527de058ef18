"""Config for announcements: `[announcements]` in the TOML (channels, who may announce, the
sincerity check's word lists and patterns, incident follow-ups, messages)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from bot.settings import ChannelKey, Duration, Section, default, message
from cogs.announcements import sincerity


class SincerityCheckSettings(Section):
    """The sincerity and clarity check on drafts, updates and resolutions: non-apologies,
    blame-shifting passive voice around an apology, vague timing, shouting and walls of text.
    Text in quotes is not the author's own, and neither is a phrase right after a negation."""

    enabled: bool = True
    """Check drafts before they go out; the findings are advice to the author, never a block."""
    non_apologies: list[str] = Field(
        default_factory=lambda: list(sincerity.DEFAULT_NON_APOLOGIES))
    """Phrases (whole words, any case): a word ending in * matches any ending ("apologi*"), `...`
    stands for up to three words ("sorry if ... offended")."""
    apology_words: list[str] = Field(
        default_factory=lambda: list(sincerity.DEFAULT_APOLOGY_WORDS))
    """Words that make a sentence an apology, for the blame-shifting check around it."""
    fault_verbs: list[str] = Field(default_factory=lambda: list(sincerity.DEFAULT_FAULT_VERBS))
    """Faults in the passive voice with no one owning them ("the data was lost")."""
    deflections: list[str] = Field(default_factory=lambda: list(sincerity.DEFAULT_DEFLECTIONS))
    """Pointing elsewhere next to an apology ("beyond our control")."""
    vague_timing: list[str] = Field(default_factory=lambda: list(sincerity.DEFAULT_VAGUE))
    """Promises of time with no time in them."""
    not_vague: list[str] = Field(default_factory=lambda: list(sincerity.DEFAULT_NOT_VAGUE))
    """Phrases with a vague word that promise nothing ("see you soon")."""
    precise_time: list[str] = Field(
        default_factory=lambda: list(sincerity.DEFAULT_PRECISE_TIME))
    """Regular expressions (ignoring case): a sentence matching one gives an actual time, so "soon"
    in it is fine ("soon, by 15:00 UTC")."""
    negations: list[str] = Field(default_factory=lambda: list(sincerity.DEFAULT_NEGATIONS))
    """A listed phrase within a few words after one of these is not the author's own."""
    caps_ratio: float = Field(default=0.6, gt=0, le=1)
    """"Mostly capitals": at least this share of the letters are capitals, in a draft of at
    least `caps_min_letters` letters."""
    caps_min_letters: int = Field(default=12, ge=1)
    """The fewest letters a draft needs before `caps_ratio` applies."""
    caps_run: int = Field(default=3, ge=0)
    """This many all-capital words in a row is shouting too; 0 turns it off."""
    punctuation_run: int = Field(default=3, ge=2)
    """A run of this many ! or ? in any mix ("!!!") reads as shouting (at least 2)."""
    paragraph_words: int = Field(default=120, ge=10)
    """A paragraph (a line) longer than this many words is a wall of text on a phone."""
    sentence_words: int = Field(default=45, ge=5)
    """A sentence longer than this many words is hard to follow."""

    @field_validator("precise_time")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {i + 1} ({pattern!r}) isn't a regular expression: "
                                 f"{exc}") from None
        return value

    def rules(self) -> sincerity.SincerityRules:
        return sincerity.SincerityRules(
            non_apologies=tuple(self.non_apologies), apology_words=tuple(self.apology_words),
            fault_verbs=tuple(self.fault_verbs), deflections=tuple(self.deflections),
            vague=tuple(self.vague_timing), not_vague=tuple(self.not_vague),
            precise_time=tuple(self.precise_time), negations=tuple(self.negations),
            caps_ratio=self.caps_ratio, caps_min_letters=self.caps_min_letters,
            caps_run=self.caps_run, punctuation_run=self.punctuation_run,
            paragraph_words=self.paragraph_words, sentence_words=self.sentence_words)


class AnnouncementsMessages(Section):
    """What announcements say. {number} is an announcement's number, {place} its channel;
    times show as "in 1 hour (...)"."""

    # -- the preview and the check, shown only to the author
    preview: message("number", "place", "when", "post", "advice") = default(
        "Here's announcement #{number} exactly as it will appear in {place}, {when}:\n"
        "{post}\n{advice}")
    all_clear: message("number") = default(
        "It reads clearly to me. `/announce post {number}` sends it; `/announce edit {number} "
        "...` changes the text; `/announce cancel {number}` drops it.")
    advice: message("number", "findings") = default(
        "A few things you may want to look at before it goes out (only you can see this):\n"
        "{findings}\nIt's your call: `/announce post {number}` sends it as it is, "
        "`/announce edit {number} ...` changes the text, `/announce cancel {number}` drops it.")
    finding_line: message("reason") = default("• {reason}")
    # -- the check's reasons ({found}: the words that showed it)
    check_non_apology: message("found") = default(
        "this reads as a non-apology: {found}. Saying what happened and that you're sorry "
        "for it lands better.")
    check_blame_shifting: message("found") = default(
        "the apology sits beside wording that points away from you: {found}. Naming who did "
        "what (even \"we\") sounds more sincere.")
    check_vague_timing: message("found") = default(
        "{found} leaves members guessing; if you can, give a time (\"by 15:00 UTC\").")
    check_shouting: message("found") = default(
        "parts read as shouting ({found}); a calm tone carries further.")
    check_wall_of_text: message("found") = default(
        "it's long in one piece ({found}); short paragraphs are easier to read on a phone.")
    # -- whens, as the author reads them
    when_now: message() = default("as soon as you post it")
    when_once: message("at") = default("{at}")
    when_repeat: message("rule", "next") = default("{rule} (next: {next})")
    when_update: message("at") = default("next update due {at}")
    # -- the announcement itself
    incident_post: message("text", "next") = default(
        "{text}\n\nWe'll post updates in the thread below. Next update {next}.")
    thread_name: message("number") = default("Updates on incident #{number}")
    """The name of an incident's update thread, where the platform names threads (Discord)."""
    update_post: message("text", "next") = default("**Update:** {text}\nNext update {next}.")
    resolved_post: message("text", "names") = default(
        "**Resolved:** {text}\nThank you for your patience{names}.")
    resolved_names: message("names") = default(", and special thanks to {names} for staying "
                                               "with us")
    # -- what the author is told
    posted: message("number", "place") = default(
        "Done: announcement #{number} is posted in {place}.")
    scheduled: message("number", "place", "when") = default(
        "Done: announcement #{number} will go out in {place} {when}. `/announce list` shows "
        "what's planned; `/announce cancel {number}` stops it.")
    incident_opened: message("number", "place", "next") = default(
        "Incident #{number} is posted in {place}, with a thread for updates. You said the "
        "next update comes {next}; I'll remind the team if it doesn't. Post one with "
        "`/announce update {number} 1h ...` (1h: when the one after is due), and close it with "
        "`/announce resolve {number} ...`.")
    update_posted: message("number", "next") = default(
        "Update posted in the thread of incident #{number}. Next update due {next}.")
    update_held: message("number", "findings") = default(
        "I've held this update to incident #{number} for a moment (only you can see this):\n"
        "{findings}\nIt's your call: `/announce post {number}` posts it as it is, "
        "`/announce edit {number} ...` changes it, `/announce cancel {number}` drops it.")
    resolved: message("number", "place", "count") = default(
        "Incident #{number} is resolved, and the final post is in {place}, thanking {count} "
        "by name for their patience.")
    edited: message("number") = default("Announcement #{number} now reads:")
    cancelled: message("number") = default(
        "Announcement #{number} is cancelled; nothing more of it will go out.")
    held_dropped: message("number") = default(
        "I've dropped the held text for incident #{number}; the incident stays open.")
    # -- reminders to the team
    update_due: message("author", "number", "place", "at") = default(
        "{author}, you said you'd update {place} at {at} about incident #{number}, and "
        "there's no update yet. Members are waiting: `/announce update {number} 1h ...`, even "
        "if it's only \"still working on it\".")
    # -- /announce list
    list_header: message("count") = default("Announcements ({count}):")
    list_empty: message() = default(
        "Nothing is planned and no incident is open. `/announce` starts a new announcement.")
    list_line: message("number", "place", "state", "when", "preview") = default(
        "• #{number} in {place}: {state}, {when}. \"{preview}\"")
    state_draft: message() = default("a draft waiting for `/announce post`")
    state_scheduled: message() = default("scheduled")
    state_repeating: message() = default("repeating")
    state_incident: message() = default("an open incident")
    # -- /help, while an incident is open
    help_notice: message("number", "place", "preview") = default(
        "There's an ongoing incident (#{number}): \"{preview}\". Updates are in the thread in "
        "{place}.")
    # -- refusals (only the author sees them)
    unknown_channel: message("place", "choices") = default(
        "I can't announce in '{place}'. The announcement channels are: {choices}.")
    bad_when: message("problem") = default(
        "I couldn't work out when to post it: {problem}. Nothing was saved.")
    unknown_announcement: message("number") = default(
        "I can't find announcement #{number}. `/announce list` shows the current ones.")
    not_a_draft: message("number") = default(
        "Announcement #{number} has nothing waiting to be posted.")
    not_incident: message("number") = default(
        "Announcement #{number} isn't an open incident, so it has no update thread.")
    cannot_cancel_incident: message("number") = default(
        "Incident #{number} is open; close it with `/announce resolve {number} ...` so members "
        "hear it's over.")
    too_long: message("length", "limit") = default(
        "That text is {length} characters; please keep it to {limit} or fewer. Nothing changed.")


class AnnouncementsSettings(Section):
    """Announcements said well: checked for sincerity and clarity, previewed, posted or
    scheduled, and for incidents followed up."""

    channels: list[ChannelKey] = Field(default_factory=lambda: ["announcements"])
    """Logical channel keys (see community.channels) the team may announce in."""
    announcer_roles: list[str] = Field(default_factory=list)
    """Members with one of these roles may announce too (besides moderators and admins)."""
    team_channel: ChannelKey = "mod_log"
    """Logical channel key where the team is reminded of a missed incident update."""
    update_every: Duration = default("1h")
    """When an incident's author doesn't say, the next update is due this long after each post."""
    max_length: int = Field(default=1800, ge=100, le=1900)
    """The longest announcement, in characters (a Discord message holds 2,000; the rest is room for
    the incident wording around it)."""
    check: SincerityCheckSettings = Field(default_factory=SincerityCheckSettings)
    messages: AnnouncementsMessages = Field(default_factory=AnnouncementsMessages)

    @field_validator("channels")
    @classmethod
    def _some_channel(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one channel key, like \"announcements\"")
        return value
