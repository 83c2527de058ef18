"""Config for questions: `[questions]` in the TOML (help channels, follow-ups, credit, the FAQ)."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.settings import ChannelKey, Duration, Section, default, message

Q = ("number", "question", "asker")


class FaqEntry(Section):
    """One question the team answered once for everyone."""

    question: str
    """The question as members ask it ("How do I reset my password?")."""
    answer: str
    """The answer, a few sentences."""
    links: list[str] = Field(default_factory=list)
    """Links with more (optional)."""

    @field_validator("question", "answer")
    @classmethod
    def _filled(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class FaqSettings(Section):
    """FAQ suggestions: when a new question closely matches an FAQ entry or an earlier solved
    question, the asker alone gets one private "this might help" (never more than one per
    question). It counts as deflected only when the asker says it helped."""

    suggest: bool = True
    """Suggest at all (turn off to never suggest)."""
    threshold: float = Field(default=70.0, ge=1, le=100)
    """How alike two questions must be, 1-100, to suggest one (see README for how 70 was
    chosen: on the labelled pairs it suggests almost nothing wrong)."""
    solved_questions: bool = True
    """Solved questions join the pool of suggestions (a moderator can keep one out with
    /faq exclude)."""
    entries: list[FaqEntry] = Field(default_factory=list)
    """The admins' own FAQ: [[questions.faq.entries]] with question, answer and links."""


class QuestionsMessages(Section):
    """What questions says."""

    # -- asking ----------------------------------------------------------------------------
    asked_for: message("asker", "question") = default("**{asker} asked:** {question}")
    """The post /ask and "Move to help" make in the help channel, in the asker's name."""
    ask_posted: message(*Q, "place") = default(
        "Thanks, {asker}: your question #{number} is in {place}. I'll let you know privately "
        "if nobody has answered in a while, and you can mark it solved with /solved {number}.")
    ask_empty: message() = default(
        "What would you like to ask? Write it after the command, like `/ask How do I change "
        "my nickname?`. Nothing was posted.")
    thread_name: message("number", "question") = default("Q{number}: {question}")
    """The name of the thread Hearth keeps for a question (cut to 90 characters)."""
    solved_thread_name: message("number", "question") = default("✅ Q{number}: {question}")
    # -- moving a question to the right place ----------------------------------------------
    moved: message(*Q, "place", "mover") = default(
        "Hi {asker}, {mover} moved your question to {place}, where more people can help: "
        "\"{question}\". I'll follow up with you there.")
    moved_ack: message(*Q, "place") = default(
        "Moved {asker}'s question to {place} as #{number}; they've been told where it went.")
    move_own_help: message("place") = default(
        "That message is already in {place}, so there's nothing to move.")
    move_bot: message() = default("That message is from a bot, so there's no asker to follow "
                                  "up with. Nothing was moved.")
    move_not_allowed: message() = default(
        "Moving questions is for moderators and trusted helpers. Nothing was moved.")
    # -- answered and solved ---------------------------------------------------------------
    confirm_helper: message(*Q, "helper") = default(
        "Hi {asker}, I saw you thank {helper} for help with your question #{number}, "
        "\"{question}\". Did {helper}'s answer solve it? If yes, run `/solved {number}` and "
        "I'll credit them. If not yet, there's nothing to do; I won't ask about it again.")
    solved_credited: message(*Q, "helper", "points") = default(
        "Marked #{number} as solved. Thank you, {asker}; {helper} gets the credit{points}.")
    solved_points: message("points") = default(" and {points}")
    solved_alone: message(*Q) = default(
        "Marked #{number} as solved. Glad it's sorted, {asker}!")
    solved_self: message(*Q) = default(
        "Marked #{number} as solved. Glad you found it, {asker}! Credit for answers goes to "
        "the people who helped you, so none was added for your own.")
    solved_post: message(*Q, "helper") = default(
        "✅ Solved, with thanks to {helper}.")
    solved_post_alone: message(*Q) = default("✅ Solved.")
    already_solved: message(*Q, "helper") = default(
        "#{number} was already marked solved ({helper}), so nothing changed.")
    already_solved_alone: message(*Q) = default(
        "#{number} was already marked solved, so nothing changed.")
    not_your_question: message(*Q) = default(
        "#{number} is {asker}'s question, so it's theirs to mark (or a moderator's). "
        "Nothing changed.")
    no_open_question: message() = default(
        "I don't see an open question of yours, so nothing changed. Give its number, like "
        "`/solved 3`, or ask one with /ask.")
    question_deleted: message(*Q) = default(
        "#{number} was deleted, so it can't be marked any more. Nothing changed.")
    unknown_question: message("number") = default(
        "I can't find question #{number}. Nothing changed.")
    credit_bot: message("helper") = default(
        "{helper} is a bot, so I can't credit them. Name the member who helped, or leave the "
        "member out. Nothing changed.")
    # -- follow-up -------------------------------------------------------------------------
    nudge: message(*Q, "waiting", "place") = default(
        "Question #{number} from {asker} has been waiting {waiting} without an answer: "
        "\"{question}\" ({place}). Could someone take a look?")
    ask_if_solved: message(*Q, "answers") = default(
        "Hi {asker}, your question #{number}, \"{question}\", got {answers}. Did one of them "
        "solve it? If so, `/solved {number} @member` credits who helped. If not, a little "
        "more detail in the thread often brings the right answer. I won't ask again.")
    # -- FAQ -------------------------------------------------------------------------------
    faq_suggestion: message(*Q, "answer", "links") = default(
        "Hi {asker}, while you wait: this might help with your question #{number}.\n{answer}"
        "{links}\nIf it answered your question, run `/faq helped {number}` and I'll mark it "
        "solved. If not, no need to do anything: people will still answer.")
    faq_links: message("links") = default("\nMore: {links}")
    faq_from_question: message("number", "question", "answer_by") = default(
        "Question #{number}, \"{question}\", was solved with {answer_by}'s help; see its "
        "thread.")
    faq_helped: message(*Q) = default(
        "Thank you, {asker}: glad it helped. #{number} is marked solved.")
    faq_no_suggestion: message("number") = default(
        "I didn't suggest anything for #{number}, so there's nothing to confirm.")
    faq_excluded: message(*Q) = default(
        "#{number} won't be suggested to other askers any more.")
    faq_already_excluded: message(*Q) = default(
        "#{number} is already kept out of suggestions, so nothing changed.")


class QuestionsSettings(Section):
    """Questions: a message in a help channel (or /ask) is a question; the first reply by
    someone else is its first answer; thanks from the asker leads to one private "did it solve
    it?"; /solved credits the helper. Unanswered questions are raised once with the team, and
    askers are asked once whether an answer solved it."""

    channels: list[ChannelKey] = Field(default_factory=lambda: ["help"])
    """Channel keys (from [community.channels]) where every new message (on Discord, a forum
    post or a message; on Slack, a top-level message) is a question."""
    team_channel: ChannelKey = "mod_log"
    """Channel key where questions still unanswered after `nudge_after` are raised."""
    nudge_after: Duration = default("4h")
    """A question with no answer after this long is raised once in the team channel."""
    ask_after: Duration = default("2d")
    """A question answered but not marked solved this long after its first answer gets one
    gentle private ask to the asker."""
    solved_points: int = Field(default=5, ge=0)
    """Reputation points the helper credited for a solved question receives (0 for none);
    every solution also counts toward the "solutions" badge criterion."""
    move_roles: list[str] = Field(default_factory=list)
    """Besides moderators, members with one of these roles (names or ids; a badge's role works)
    may use the "Move to help" message action."""
    solved_tag: str = "Solved"
    """The forum tag a solved question gets, where its help channel is a forum with that tag."""
    faq: FaqSettings = Field(default_factory=FaqSettings)
    messages: QuestionsMessages = Field(default_factory=QuestionsMessages)

    @field_validator("channels")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one channel key (the default is [\"help\"])")
        return value
