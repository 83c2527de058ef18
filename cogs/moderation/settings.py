"""Config for moderation: `[moderation]` in the TOML (rules, ladder, tone check, messages)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from bot import tone
from bot.settings import ChannelKey, Duration, Names, Retention, Section, default, message

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

# Fields every member-facing warning message may use.
WARNING_FIELDS = ("name", "member", "community", "case", "rule", "rule_title", "rule_text",
                  "step", "next_step", "then", "expires", "quote", "note")
LOG_FIELDS = ("case", "name", "moderator", "rule", "rule_title", "step", "step_number",
              "steps", "expires", "quote", "note")


class Rule(Section):
    """A rule of the community, shown by /rules and named in /warn by its id."""

    id: Annotated[str, Names("rule", "rule")]
    """Short id moderators type: lowercase letters, digits, - and _; unique."""
    title: str = Field(min_length=1, max_length=100)
    """The rule's name, as members read it."""
    text: str = Field(min_length=1, max_length=300)
    """One line on what the rule means."""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError(f"rule ids are short lowercase words like \"spam\" or \"be-kind\" "
                             f"(letters, digits, - and _), got {value!r}")
        return value


class LadderStep(Section):
    """A step of the escalation ladder."""

    warnings: int = Field(ge=1)
    """How many active warnings (counting the new one) reach this step."""
    label: message("duration")
    """How the step is named to the member ("a friendly reminder"); {duration} is the
    timeout."""
    action: Literal["none", "timeout", "review"] = "none"
    """"none": the message alone; "timeout": also mute for `timeout` (where the platform can't,
    the admins are asked to review in the mod log); "review": the admins are asked in the mod
    log."""
    timeout: Duration | None = Field(default=None, examples=["1h"])
    """How long a "timeout" step mutes the member, at most 28d."""

    @model_validator(mode="after")
    def _timeout(self) -> LadderStep:
        if self.action == "timeout" and self.timeout is None:
            raise ValueError("a timeout step needs `timeout`, a duration like \"1h\"")
        if self.action != "timeout" and self.timeout is not None:
            raise ValueError("`timeout` only applies to steps with action = \"timeout\"")
        if self.timeout is not None and self.timeout > timedelta(days=28):
            raise ValueError("`timeout` can be at most 28 days (the longest platforms allow)")
        return self


class ToneSettings(Section):
    """The tone check: each note a moderator writes for a member (and pardon and appeal
    reasons) is checked for signs of heat. A heated warning note is held back (the warning goes
    out with the calm wording alone and the note stays in the mod log); a heated pardon or
    appeal reason is refused until rephrased."""

    enabled: bool = True
    """Check moderators' notes for heat before they reach a member."""
    caps_ratio: float = Field(default=0.6, gt=0, le=1)
    """"Mostly capitals": at least this share of the letters are capitals, in a note of at
    least `caps_min_letters` letters."""
    caps_min_letters: int = Field(default=8, ge=1)
    """The fewest letters a note needs before `caps_ratio` applies."""
    caps_run: int = Field(default=3, ge=0)
    """This many all-capital words in a row is shouting too ("STOP DOING THIS"); 0 turns it
    off."""
    punctuation_run: int = Field(default=3, ge=2)
    """A run of this many ! or ? in any mix ("!!!", "???", "?!?") is a sign of heat (at least
    2)."""
    words: list[str] = Field(default_factory=lambda: list(tone.DEFAULT_WORDS))
    """Insults and profanity, matched as whole words ignoring case, accents, l33t digits and
    stretched letters ("stuuupid"); a trailing * matches any ending ("moron*" catches
    "morons")."""
    blame_phrases: list[str] = Field(default_factory=lambda: list(tone.DEFAULT_BLAME))
    """Blame: "you always" / "you never" style phrases, matched as whole words ignoring case."""
    sarcasm_phrases: list[str] = Field(default_factory=lambda: list(tone.DEFAULT_SARCASM))
    """Sarcasm has no place in a warning."""
    threat_phrases: list[str] = Field(default_factory=lambda: list(tone.DEFAULT_THREATS))
    """Threats and ultimatums beyond the ladder (Hearth never bans on its own)."""
    angry_emoji: list[str] = Field(default_factory=lambda: list(tone.DEFAULT_ANGRY_EMOJI))
    """Emoji that read as anger."""

    def rules(self) -> tone.ToneRules:
        return tone.ToneRules(
            caps_ratio=self.caps_ratio, caps_min_letters=self.caps_min_letters,
            caps_run=self.caps_run, punctuation_run=self.punctuation_run,
            words=tuple(self.words), blame=tuple(self.blame_phrases),
            sarcasm=tuple(self.sarcasm_phrases), threats=tuple(self.threat_phrases),
            angry_emoji=tuple(self.angry_emoji))


class ModerationMessages(Section):
    """What moderation says. Refusals are seen only by the moderator or member who asked."""

    # -- /rules
    rules_header: message("community") = default("The rules of {community}:")
    """/rules: the header, then one `rule_line` per rule."""
    rule_line: message("rule", "rule_title", "rule_text") = default(
        "• **{rule}**: {rule_title}. {rule_text}")
    # -- the warning the member receives
    warning: message(*WARNING_FIELDS) = default(
        "Hi {name}. This is a private message from the moderators of {community} about our "
        "rule \"{rule_title}\": {rule_text}{quote}{note}\n"
        "This is {step}. {then}\n"
        "This warning (case #{case}) expires {expires}. If you think we've got it wrong, you can "
        "appeal with `/appeal {case}` followed by a few words, and a moderator will read it. "
        "Thank you for taking this on board.")
    """The warning the member receives privately. {quote} and {note} are filled from
    `warning_quote` and `warning_note` (or left empty), {then} from `warning_then` or, at the
    top of the ladder, `warning_last`; {expires} is a time."""
    warning_then: message("next_step") = default(
        "If it continues, the next step is {next_step}.")
    warning_last: message("step") = default(
        "It's the top of our ladder: if it continues, the team will decide together what "
        "happens next, and talk with you first.")
    warning_quote: message("content", "place") = default(
        "\nThe message this is about, in {place}: \"{content}\"")
    warning_note: message("note") = default("\nA note from the moderator: {note}")
    # -- what the moderator is told
    warned: message("case", "name", "rule", "step", "others", "held") = default(
        "Thank you. Case #{case} is recorded and {name} has a private message about rule "
        "**{rule}** ({step}). The channel sees nothing.{others}{held}")
    """What the moderator is told. {others} and {held} come from `warned_others` and
    `note_held`."""
    warned_others: message("name", "cases") = default(
        "\n{name} already had these active warnings: {cases}.")
    note_held: message("case", "name", "signals") = default(
        "\nI held your note back from {name} because it reads as heated ({signals}). The warning "
        "went out with the calm wording alone, and your note is in the mod log. When you're "
        "ready, you can add a calmer one with `/warning note {case} ...`.")
    timeout_failed: message("case", "name") = default(
        "I couldn't time {name} out for case #{case}, so they are not muted. The warning itself "
        "stands; I've noted it in the mod log.")
    """To the moderator when a ladder timeout didn't take effect."""
    dm_closed: message("case", "name") = default(
        "{name}'s private messages are closed, so they didn't get the message about case #{case}. "
        "The case is logged all the same; you may want to reach them another way.")
    # -- the tone check's reasons, listed in note_held (field {found}: the words that showed it)
    tone_shouting: message("found") = default("mostly capitals: {found}")
    """The tone check's reasons (this and the tone_ messages below), listed in `note_held`;
    {found} is what gave it away."""
    tone_punctuation: message("found") = default("runs of punctuation: {found}")
    tone_insult: message("found") = default("insulting or rude words: {found}")
    tone_blame: message("found") = default("blame: \"{found}\"")
    tone_sarcasm: message("found") = default("sarcasm: \"{found}\"")
    tone_threat: message("found") = default("a threat beyond our ladder: \"{found}\"")
    tone_angry_emoji: message("found") = default("angry emoji: {found}")
    # -- refusals (only the moderator or member who asked sees them)
    unknown_rule: message("rule", "rules") = default(
        "I don't know a rule called '{rule}'. The rules are: {rules}.")
    """Refusals (this one and those below) are seen only by the moderator or member who
    asked."""
    not_self: message("name") = default(
        "You can't warn yourself, {name}. If something's on your mind, talk it over with the "
        "team.")
    not_bot: message("name") = default("{name} is a bot, so there's no one to warn.")
    not_staff: message("name") = default(
        "{name} is on the moderation team, so Hearth won't warn them. Please talk it over with "
        "the admins instead.")
    cooloff: message("name", "case", "until") = default(
        "{name} was warned very recently (case #{case}). To avoid piling on, I'll take a new "
        "warning for them {until}. If it's urgent, let the other moderators know.")
    note_too_long: message("length", "limit") = default(
        "That note is {length} characters; please keep it to {limit} or fewer. Nothing was sent.")
    note_empty: message() = default(
        "That note is empty. Please write a few words for the member; nothing was sent.")
    reason_heated: message("case", "name", "signals") = default(
        "That reason reads as heated ({signals}), and {name} would see it, so nothing changed on "
        "case #{case}. Please try again in calmer words when you're ready.")
    unknown_case: message("case") = default(
        "I can't find case #{case}. /warnings @name lists a member's cases.")
    message_not_member: message() = default(
        "I can't tell who wrote that message, so I can't warn them. Nothing was sent.")
    # -- the mod log
    log_case: message(*LOG_FIELDS) = default(
        "**Case #{case}**: {name} warned by {moderator} under rule **{rule}** ({rule_title}). "
        "Ladder step {step_number} of {steps}: {step}. Expires {expires}.{quote}{note}\n"
        "I've sent {name} a private message; I'll add a line here if it can't be delivered.")
    """The mod log: each case as it is recorded."""
    log_quote: message("content", "place") = default("\nMessage in {place}: \"{content}\"")
    log_note: message("note") = default("\nNote to the member: {note}")
    log_note_held: message("note", "signals") = default(
        "\nNote held back from the member ({signals}): {note}")
    log_undelivered: message("case", "name") = default(
        "Case #{case}: {name}'s private messages are closed, so the message about it wasn't "
        "delivered. The case stands and the moderator has been told.")
    log_timeout_unsupported: message("case", "name", "step") = default(
        "Case #{case}: {name} reached {step}, but I can't time members out here. Admins, "
        "please review.")
    log_timeout_failed: message("case", "name", "step") = default(
        "Case #{case}: {name} reached {step}, but the timeout didn't take effect (Hearth may "
        "lack the permission, or their role is above Hearth's). Admins, please review.")
    log_review: message("case", "name", "count", "cases") = default(
        "Case #{case}: admins, please review {name}. They now have {count} active warnings "
        "({cases}). Hearth never bans on its own; the decision is yours.")
    timeout_reason: message("case", "rule_title") = default("Case #{case}: {rule_title}")
    """The platform's audit-log reason for a ladder timeout."""
    timeout_lifted_reason: message("case") = default("Case #{case} was pardoned")
    """The platform's audit-log reason when a pardon (or accepted appeal) ends a running
    timeout."""
    # -- /warnings @member (moderators)
    record_header: message("name", "active", "past") = default(
        "{name}'s record: {active} active, {past} past.")
    """/warnings @member (moderators): the header, then one line per case."""
    record_empty: message("name") = default("{name} has no warnings on record.")
    record_active: message("case", "rule", "moderator", "created", "expires") = default(
        "• #{case} **{rule}**, by {moderator} {created}; active, expires {expires}")
    record_expired: message("case", "rule", "moderator", "created", "expires") = default(
        "• #{case} **{rule}**, by {moderator} {created}; expired {expires}")
    record_pardoned: message("case", "rule", "moderator", "created", "by", "reason") = default(
        "• #{case} **{rule}**, by {moderator} {created}; pardoned by {by}: {reason}")
    record_undelivered: message() = default("; private message not delivered")
    record_appeal_open: message() = default("; appeal open")
    # -- /mywarnings (any member)
    mine_none: message("name", "community") = default(
        "You have no active warnings, {name}. Thank you for helping keep {community} a good "
        "place.")
    """/mywarnings (any member), when they have no active warnings."""
    mine_header: message("name", "count") = default(
        "Hi {name}. These are your active warnings ({count}):")
    mine_line: message("case", "rule", "rule_title", "expires") = default(
        "• Case #{case}, rule \"{rule_title}\": expires {expires}")
    mine_footer: message() = default(
        "If you think one is a mistake, you can appeal with `/appeal CASE` followed by a few "
        "words, and a moderator will read it.")
    # -- /pardon and /warning note
    pardoned: message("case", "name") = default(
        "Case #{case} is pardoned: it no longer counts for {name}, and it stays on the record. "
        "I've let them know.")
    """/pardon: what the moderator is told."""
    already_pardoned: message("case") = default(
        "Case #{case} was already pardoned; nothing changed.")
    pardon_dm: message("name", "case", "rule_title", "reason") = default(
        "Hi {name}. The moderators have pardoned your warning for case #{case} (rule "
        "\"{rule_title}\"), so it no longer counts. Thank you for bearing with us.\n"
        "Their reason: {reason}")
    log_pardon: message("case", "name", "moderator", "reason") = default(
        "Case #{case}: pardoned by {moderator} ({name} has been told). Reason: {reason}")
    note_sent: message("case", "name") = default(
        "Thanks. I've sent your note on case #{case} to {name} and added it to the mod log.")
    note_held_again: message("case", "name", "signals") = default(
        "I held this note back too, because it reads as heated ({signals}). It's in the mod log; "
        "nothing was sent to {name}. Take a moment, and try again when you're ready.")
    note_dm: message("name", "case", "note") = default(
        "Hi {name}. A note from the moderators about case #{case}: {note}")
    log_note_added: message("case", "moderator", "note") = default(
        "Case #{case}: note from {moderator}, sent to the member: {note}")
    log_note_held_added: message("case", "moderator", "note", "signals") = default(
        "Case #{case}: note from {moderator}, held back ({signals}): {note}")
    # -- appeals
    appeal_sent: message("name", "case") = default(
        "Thanks, {name}. Your appeal on case #{case} is with the moderators; I'll message you "
        "privately when they've decided.")
    """Appeals: what the member is told when theirs is sent."""
    appeal_not_yours: message("case") = default(
        "Case #{case} isn't one of your warnings, so I can't take an appeal on it. /mywarnings "
        "lists yours.")
    appeal_pardoned: message("case") = default(
        "Case #{case} is already pardoned, so there's nothing to appeal. All the best.")
    appeal_open: message("case") = default(
        "You already have an open appeal on case #{case}; a moderator will get back to you.")
    appeal_cooloff: message("until") = default(
        "You sent an appeal a short while ago. You can send another {until}; thank you for "
        "your patience.")
    appeal_too_long: message("length", "limit") = default(
        "That appeal is {length} characters; please keep it to {limit} or fewer. Nothing was sent.")
    log_appeal: message("case", "name", "text") = default(
        "**Appeal on case #{case}** from {name}: \"{text}\"\n"
        "Moderators: `/appeal resolve {case} accept|decline <reason>`")
    no_open_appeal: message("case") = default("Case #{case} has no open appeal.")
    appeal_resolved: message("case", "name", "outcome") = default(
        "Done: the appeal on case #{case} is {outcome}. I've let {name} know.")
    appeal_accepted_dm: message("name", "case", "reason") = default(
        "Hi {name}. The moderators accepted your appeal on case #{case}, so the warning is "
        "pardoned and no longer counts. Thank you for raising it.\nTheir reason: {reason}")
    appeal_declined_dm: message("name", "case", "reason", "expires") = default(
        "Hi {name}. The moderators have read your appeal on case #{case} and decided to keep "
        "the warning; it expires {expires}, as before. Thank you for explaining your side.\n"
        "Their reason: {reason}")
    log_appeal_resolved: message("case", "moderator", "outcome", "reason") = default(
        "Appeal on case #{case} {outcome} by {moderator}. Reason: {reason}")
    outcome_accepted: message() = default("accepted")
    outcome_declined: message() = default("declined")


DEFAULT_RULES = [
    {"id": "be-kind", "title": "Be kind",
     "text": "Disagree with ideas, not people: no insults, harassment or pile-ons."},
    {"id": "spam", "title": "No spam",
     "text": "No ads, repeated messages, or links and DMs nobody asked for."},
    {"id": "on-topic", "title": "Stay on topic",
     "text": "Keep each channel to its subject, so everyone can find what they came for."},
    {"id": "privacy", "title": "Respect privacy",
     "text": "Don't share anyone's personal details or private messages without their consent."},
]
DEFAULT_LADDER = [
    {"warnings": 1, "label": "a friendly reminder"},
    {"warnings": 2, "label": "a formal warning"},
    {"warnings": 3, "label": "a timeout of {duration}", "action": "timeout", "timeout": "1h"},
    {"warnings": 4, "label": "a review by the admins", "action": "review"},
]


class ModerationSettings(Section):
    """Calm warnings: /warn sends the member a private, template-built message (which rule, what
    happens if it continues, when it expires, how to appeal) and logs the case; the channel sees
    nothing. Hearth never bans: the top of the ladder asks the admins to review."""

    log_channel: ChannelKey = "mod_log"
    """Channel key (from [community.channels]) of the private mod log that gets every case."""
    expire_after: Duration = default("90d")
    """A warning leaves the active count this long after it was given (it stays on the
    record)."""
    keep_after_expiry: Retention = default("365d")
    """Retention: a case (with its notes and appeals) is kept this long after its warning
    expires, even if the member asks to be forgotten (so a warning can't be erased by asking;
    /mydata forget tells them until when); then the retention job deletes it. "forever" keeps
    every case."""
    warn_cooloff: Duration = default("10m")
    """The same member can't be warned again within this time, so moderators don't pile on."""
    appeal_cooloff: Duration = default("1d")
    """A member waits this long between appeals (and each case takes one open appeal at a
    time)."""
    note_max_length: int = Field(default=500, ge=20, le=4000)
    """Longest note or reason a moderator can write to a member (characters, 20-4000)."""
    appeal_max_length: int = Field(default=1000, ge=20, le=4000)
    """Longest appeal a member can write (characters, 20-4000)."""
    quote_max_length: int = Field(default=300, ge=20, le=2000)
    """A quoted message (from the "warn-message" message action) is cut to this many characters
    in warnings and the mod log."""
    rules: list[Rule] = default(DEFAULT_RULES)
    """The community's rules. Ids must be unique; `text` is one line."""
    ladder: list[LadderStep] = default(DEFAULT_LADDER)
    """The escalation ladder, by the member's number of active warnings (counting the new one).
    Steps must count 1, 2, 3... with no gaps or repeats; past the last step, the last step
    applies again."""
    tone: ToneSettings = Field(default_factory=ToneSettings)
    messages: ModerationMessages = Field(default_factory=ModerationMessages)

    @field_validator("rules")
    @classmethod
    def _unique_rules(cls, rules: list[Rule]) -> list[Rule]:
        if not rules:
            raise ValueError("list at least one rule, so warnings have something to refer to")
        seen: dict[str, int] = {}
        for i, rule in enumerate(rules):
            if rule.id in seen:
                raise ValueError(f"rule id '{rule.id}' is used twice (rules[{seen[rule.id]}] and "
                                 f"rules[{i}])")
            seen[rule.id] = i
        return rules

    @field_validator("ladder")
    @classmethod
    def _contiguous_ladder(cls, ladder: list[LadderStep]) -> list[LadderStep]:
        if not ladder:
            raise ValueError("the ladder needs at least one step (warnings = 1)")
        counts = [s.warnings for s in ladder]
        for n in counts:
            if counts.count(n) > 1:
                raise ValueError(f"two steps are for {n} warning(s); each count needs one step")
        expected = list(range(1, len(counts) + 1))
        if sorted(counts) != expected:
            # Within 1..len: with no repeats, a gap must be there (and a huge count like 10**18
            # must not build a set of every number up to it).
            missing = [n for n in expected if n not in counts]
            raise ValueError(f"the steps must count 1, 2, 3... without gaps; there is no step "
                             f"for {', '.join(map(str, missing))} warning(s)")
        return sorted(ladder, key=lambda s: s.warnings)

    def rule(self, rule_id: str) -> Rule | None:
        wanted = rule_id.strip().lower()
        return next((r for r in self.rules if r.id == wanted), None)

    def step_for(self, count: int) -> LadderStep:
        """The step for this many active warnings; past the top, the top step again."""
        return self.ladder[min(max(count, 1), len(self.ladder)) - 1]
