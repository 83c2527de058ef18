"""Config for contests: `[contests]` and `[contests.messages]` in the TOML."""

from __future__ import annotations

from pydantic import Field

from bot.settings import ChannelKey, Duration, Section, default, message

# Fields most contest messages accept.
C = ("contest", "title")


class ContestMessages(Section):
    """What contests say. {contest} is the contest's number like #3, {title} its title; times
    show as "in 3 days (...)"."""

    # -- public posts ---------------------------------------------------------------------
    created: message(*C, "description", "rule", "take_part", "closes", "requirements",
                     "seal") = default(
        "A new contest has begun: **{title}** ({contest})\n{description}\n{rule} {take_part} "
        "It closes {closes}.{requirements}\n"
        "Fairness seal: {seal} (explained when the winners are announced).")
    entry_posted: message(*C, "entry", "content", "name") = default(
        "New entry {entry} in **{title}** ({contest}) from {name}: {content}")
    entry_posted_anonymous: message(*C, "entry", "content") = default(
        "New entry {entry} in **{title}** ({contest}): {content}")
    reminder: message(*C, "closes", "entries", "take_part") = default(
        "Just a friendly reminder: **{title}** ({contest}) closes {closes}, with {entries} "
        "so far. There's still time to take part! {take_part}")
    closed: message(*C, "entries", "entrants", "winners", "award", "rule", "audit",
                    "unreviewed") = default(
        "**{title}** ({contest}) has closed. Thank you to everyone who took part: {entries} "
        "from {entrants}!{unreviewed}\nCongratulations to {winners}! Each winner receives "
        "{award} reputation, with our thanks.\n{rule}\n{audit}")
    closed_no_entries: message(*C) = default(
        "**{title}** ({contest}) has closed. There were no entries this time; thank you all the "
        "same, and maybe next time!")
    closed_only_unreviewed: message(*C, "unreviewed") = default(
        "**{title}** ({contest}) has closed. {unreviewed} still waiting for review when it "
        "closed, so there are no winners this time. Thank you for taking part, and we're sorry "
        "they didn't make it in.")
    judging: message(*C, "entries") = default(
        "**{title}** ({contest}) is now closed to entries. Thank you to everyone who entered "
        "({entries} in all)! "
        "Our moderators are choosing the winners, and I'll announce them here.")
    cancelled: message(*C, "reason") = default(
        "**{title}** ({contest}) has been cancelled: {reason}\nThank you to everyone who took "
        "part; we're sorry it didn't go ahead.")
    redrawn: message(*C, "member", "entry", "award", "rule", "audit") = default(
        "There's a change among the winners of **{title}** ({contest}): the place now goes to "
        "{member} (entry {entry}). Congratulations! You receive {award} reputation, with our "
        "thanks.\n{rule}\n{audit}")
    picked_late: message(*C, "member", "entry", "award") = default(
        "There's a change among the winners of **{title}** ({contest}): our moderators chose "
        "{member} (entry {entry}). Congratulations! You receive {award} reputation, with our "
        "thanks.")

    edited: message(*C, "was", "description", "closes") = default(
        "An update to **{title}** ({contest}): it now closes {closes}.\n{description}")
    """Posted when a moderator edits an open contest; {was} is the title before."""

    # -- pieces of the posts above ----------------------------------------------------------
    closed_unreviewed: message("unreviewed") = default(
        " ({unreviewed} still waiting for review when it closed couldn't be counted.)")
    """In the closing post, when some entries were never reviewed; empty otherwise."""
    take_part: message("contest") = default("Enter with `/contest enter {contest} ...`.")
    take_part_votes: message("contest") = default(
        "Enter with `/contest enter {contest} ...`, and vote for your favourite with "
        "`/contest vote {contest} <entry>`.")
    rule_votes: message() = default(
        "The entries with the most votes win, one win per member. A tie goes to the entry with "
        "the lowest draw ticket (see the fairness check).")
    rule_draw: message() = default(
        "Winners are drawn at random, one win per member; each entry is one ticket.")
    rule_pick: message() = default("Our moderators choose the winners.")
    rule_redraw: message() = default(
        "A redraw takes the next entry in the same order as before, skipping everyone who has "
        "already won this contest.")
    winner: message("member", "entry") = default("{member} (entry {entry})")
    winner_votes: message("member", "entry", "votes") = default(
        "{member} (entry {entry}, votes: {votes})")
    audit: message("seed", "seed_input", "secret") = default(
        "Fairness check: the seed is {seed}, the sha256 of `{seed_input}`. Each entry's ticket "
        "is the sha256 of the seed, a colon and the entry number; the lowest ticket comes "
        "first. The secret {secret} was sealed when the contest opened: the first 16 digits "
        "of its sha256 are the seal shown then.")
    requirements: message("list") = default(" To enter you'll need {list}.")
    requirement_days: message("days") = default("{days} in the community")
    requirement_reputation: message("points") = default("{points} reputation")
    requirement_badge: message("badge") = default("the {badge} badge")

    # -- moderators' channel ------------------------------------------------------------------
    unreviewed_at_close: message(*C, "count", "entries") = default(
        "**{title}** ({contest}) has closed, and {count} still waiting for review:\n{entries}\n"
        "They didn't enter the contest, and I've let each author know kindly. Nothing more to "
        "do, but next time `/contest show {contest}` lists what waits.")
    unreviewed_line: message("entry", "name", "content") = default(
        "• entry {entry} by {name}: {content}")
    review_needed: message(*C, "entry", "name", "content") = default(
        "{name} sent entry {entry} for **{title}** ({contest}): {content}\nApprove it with "
        "`/contest approve {contest} {entry}` or decline it with `/contest decline {contest} "
        "{entry} <reason>` (the reason goes to them privately).")
    pick_needed: message(*C, "entries", "winners") = default(
        "**{title}** ({contest}) has closed with {entries}. Please choose {winners} "
        "with `/contest pick {contest} <entry>`; `/contest show {contest}` lists them.")

    # -- replies to moderators ------------------------------------------------------------------
    created_ack: message(*C, "closes", "where") = default(
        "Done: **{title}** ({contest}) is open and announced in {where}. It closes {closes}, "
        "and I'll announce the winners then.")
    closed_ack: message(*C, "where") = default(
        "Done: **{title}** ({contest}) is closed; the announcement is in {where}.")
    cancelled_ack: message(*C) = default(
        "Done: **{title}** ({contest}) is cancelled and members have been told why.")
    redrawn_ack: message(*C, "where") = default(
        "Done: the new winner of **{title}** ({contest}) is announced in {where}.")
    edited_ack: message(*C, "closes") = default(
        "Done: **{title}** ({contest}) is updated and the change is announced. It closes "
        "{closes}; anyone who entered has been told if the deadline moved.")
    edit_nothing: message(*C) = default(
        "Tell me what to change in **{title}** ({contest}): closes:, title: or description:. "
        "Nothing changed.")
    removed_ack: message(*C, "entry", "name") = default(
        "Removed entry {entry} by {name} from **{title}** ({contest}); I've sent them your "
        "reason privately.")
    remove_winner: message(*C, "entry", "name") = default(
        "Entry {entry} by {name} is already a winner of **{title}** ({contest}); "
        "`/contest reroll` frees a winner's place. Nothing changed.")
    approved_ack: message(*C, "entry", "name") = default(
        "Approved: entry {entry} by {name} is now in **{title}** ({contest}).")
    declined_ack: message(*C, "entry", "name") = default(
        "Declined entry {entry} by {name}; I've sent them your reason privately.")
    declined_undelivered: message("name") = default(
        "I couldn't send {name} a DM (their DMs are closed), so they haven't seen the reason. "
        "You may want to tell them another way.")
    picked_ack: message(*C, "entry", "name", "remaining") = default(
        "Noted: entry {entry} by {name} is a winner of **{title}** ({contest}). {remaining}")
    picked_remaining: message("count") = default("{count} still to choose.")
    picked_complete: message() = default("That's every place filled.")
    redraw_pick: message(*C, "name") = default(
        "{name}'s win in **{title}** ({contest}) is withdrawn. Please choose who takes the "
        "place with `/contest pick {contest} <entry>`.")
    not_judging: message(*C) = default(
        "**{title}** ({contest}) isn't waiting for anyone to pick a winner, so nothing changed.")
    already_won: message(*C, "name") = default(
        "{name} is already a winner of **{title}** ({contest}); each member wins once per "
        "contest. Nothing changed.")
    not_a_winner: message(*C, "name") = default(
        "{name} isn't among the current winners of **{title}** ({contest}), so there's nothing "
        "to redraw.")
    nobody_left: message(*C) = default(
        "Everyone else who entered **{title}** ({contest}) has already won, so there's nobody "
        "to redraw. Nothing changed.")
    not_pending: message(*C, "entry") = default(
        "Entry {entry} in **{title}** ({contest}) isn't waiting for review, so nothing changed.")
    not_closed: message(*C) = default(
        "**{title}** ({contest}) hasn't closed yet; winners can be redrawn once it has.")

    # -- replies to members ------------------------------------------------------------------
    removed: message(*C, "entry", "name", "reason") = default(
        "Hi {name}, a moderator has taken your entry {entry} out of **{title}** ({contest}): "
        "{reason}\nIf you think that's a mistake, reply to a moderator and they'll look again. "
        "Thank you for taking part.")
    deadline_changed: message(*C, "name", "closes", "was") = default(
        "Hi {name}, a change to **{title}** ({contest}), which you entered: it now closes "
        "{closes} instead of {was}.")
    win_withdrawn: message(*C, "name", "award") = default(
        "Hi {name}, our moderators have redrawn your place among the winners of **{title}** "
        "({contest}), so the {award} reputation it gave (and anything that came only with it) "
        "goes back. We're sorry for the change, and thank you warmly for taking part.")
    """To a winner whose place is redrawn."""
    unreviewed_author: message(*C, "entry", "name") = default(
        "Hi {name}, **{title}** ({contest}) has closed before our moderators could review your "
        "entry {entry}, so it couldn't take part this time. That's on us, not you, and we're "
        "sorry. Thank you for entering; we'd love to see you in the next one.")
    listing: message("contests") = default("Open contests:\n{contests}")
    listing_item: message(*C, "closes", "entries", "method") = default(
        "• {contest} **{title}**: {method}, {entries} so far; closes {closes}")
    listing_empty: message("where") = default(
        "There are no open contests right now. Keep an eye on {where} for the next one!")
    method_votes: message() = default("members vote")
    method_draw: message() = default("random draw")
    method_pick: message() = default("moderators pick")
    show: message(*C, "description", "rule", "status", "entries") = default(
        "**{title}** ({contest})\n{description}\n{rule}\n{status}\n{entries}")
    status_open: message("closes") = default("Closes {closes}.")
    status_judging: message() = default("Closed to entries; the moderators are choosing.")
    status_closing: message() = default(
        "Closed to entries; the winners will be announced in a moment.")
    status_closed: message("winners") = default("Closed. Winners: {winners}.")
    status_closed_none: message() = default("Closed, with no winners.")
    status_cancelled: message("reason") = default("Cancelled: {reason}")
    show_entry: message("entry", "name", "content") = default("Entry {entry} by {name}: {content}")
    show_entry_anonymous: message("entry", "content") = default(
        "Entry {entry}: {content}")
    show_hidden_authors: message() = default(
        "(Who sent which entry stays a surprise until the contest closes.)")
    show_entry_pending: message("entry", "name", "content") = default(
        "Entry {entry} by {name}, waiting for review: {content}")
    show_no_entries: message() = default("No entries yet: yours could be the first!")
    entered: message(*C, "entry", "name", "closes") = default(
        "Thank you, {name}! Your entry {entry} is in **{title}** ({contest}). Changed your "
        "mind? `/contest withdraw {contest}` takes it back until the contest closes {closes}.")
    entered_pending: message(*C, "entry", "name") = default(
        "Thank you, {name}! Your entry {entry} for **{title}** ({contest}) is waiting for a "
        "moderator to have a look; I'll let you know by DM once it's reviewed.")
    approved: message(*C, "entry", "name") = default(
        "Good news, {name}: your entry {entry} for **{title}** ({contest}) has been approved "
        "and is now in the contest. Good luck!")
    declined: message(*C, "entry", "name", "reason", "closes") = default(
        "Hi {name}, thank you for your entry {entry} to **{title}** ({contest}). A moderator "
        "couldn't accept it this time: {reason}\nYou're welcome to send a new one with "
        "`/contest enter {contest} ...` before it closes {closes}.")
    withdrawn: message(*C, "entry", "name") = default(
        "Done, {name}: entry {entry} is withdrawn from **{title}** ({contest}). You can enter "
        "again while it's open.")
    voted: message(*C, "entry", "name", "closes") = default(
        "Thanks, {name}! Your vote for entry {entry} in **{title}** ({contest}) is counted. "
        "You can change it until the contest closes {closes}.")
    vote_changed: message(*C, "entry", "previous", "name", "closes") = default(
        "Got it, {name}: your vote in **{title}** ({contest}) moved from entry {previous} to "
        "entry {entry}. Only your latest vote counts, and you can change it until the contest "
        "closes {closes}.")
    vote_same: message(*C, "entry", "name") = default(
        "You're already voting for entry {entry} in **{title}** ({contest}), {name}; nothing "
        "to change.")

    # -- refusals (private; nothing changes) ---------------------------------------------------
    unknown_contest: message("contest") = default(
        "I couldn't find contest {contest}. `/contest list` shows the open ones.")
    contest_not_open: message(*C) = default(
        "**{title}** ({contest}) isn't open any more, so nothing changed. `/contest list` "
        "shows the open ones.")
    unknown_entry: message(*C, "entry") = default(
        "There's no entry {entry} in **{title}** ({contest}). `/contest show {contest}` "
        "lists them.")
    entry_limit: message(*C, "name", "limit") = default(
        "You've already sent as many entries as **{title}** ({contest}) allows ({limit}), "
        "{name}. To swap one, withdraw it first with `/contest withdraw {contest}`.")
    need_days: message(*C, "name", "days", "when") = default(
        "Sorry, {name}: entries to **{title}** ({contest}) are open to members who have been "
        "here at least {days}. You'll be able to enter {when}.")
    need_reputation: message(*C, "name", "points", "have") = default(
        "Sorry, {name}: entries to **{title}** ({contest}) need at least {points} reputation, "
        "and you have {have} so far. Helping others (and being thanked for it) is how it grows.")
    need_badge: message(*C, "name", "badge") = default(
        "Sorry, {name}: entries to **{title}** ({contest}) are open to members with the {badge} "
        "badge, which you don't have yet.")
    own_entry: message(*C, "name") = default(
        "That one's your own entry, {name}: votes are for other people's work. Have a look at "
        "the others with `/contest show {contest}`.")
    no_voting: message(*C, "rule") = default(
        "**{title}** ({contest}) doesn't have a vote: {rule} Entering is all it takes.")
    vote_too_new: message(*C, "name", "days", "when") = default(
        "Thanks for wanting to vote, {name}! Votes are open to members who have been here at "
        "least {days}; you'll be able to vote {when}.")
    nothing_to_withdraw: message(*C, "name") = default(
        "You have no entry in **{title}** ({contest}) to withdraw, {name}.")
    which_entry: message(*C, "entries") = default(
        "You have more than one entry in **{title}** ({contest}): {entries}. Please say which "
        "one, like `/contest withdraw {contest} <entry>`.")


class ContestsSettings(Section):
    """Contests: moderators open one with /contest create; members enter, vote, and winners are
    drawn, voted or picked, with a fairness check anyone can verify."""

    channel: ChannelKey = "announcements"
    """Channel key (from [community.channels]) where contests, entries and winners are
    announced."""
    mod_channel: ChannelKey = "mod_log"
    """Channel key where moderators are asked to review entries and pick winners."""
    winners: int = Field(default=1, ge=1, le=25)
    """How many winners a contest has when /contest create leaves `winners` out (1 to 25)."""
    entries_per_member: int = Field(default=1, ge=1, le=25)
    """How many entries each member may send when /contest create leaves `entries` out (1 to
    25)."""
    review_entries: bool = False
    """Entries wait for a moderator's /contest approve before they count (per contest:
    review:yes/no)."""
    anonymous_voting: bool = True
    """Hide who sent which entry until the contest closes (per contest: anonymous:yes/no)."""
    award: int = Field(default=50, ge=0)
    """Reputation points each winner receives (recorded by the reputation feature; wins count
    toward "contest_wins" badges)."""
    remind: bool = True
    """Post a public reminder `remind_before` the deadline (skipped for contests shorter than
    that)."""
    remind_before: Duration = default("1d")
    """How long before the deadline the reminder goes out."""
    post_entries: bool = True
    """Post each accepted entry in the contest channel, so everyone can see what to vote for."""
    min_days_to_vote: int = Field(default=0, ge=0)
    """Days a member must have been here before they can vote (0: everyone), against throwaway
    votes."""
    messages: ContestMessages = Field(default_factory=ContestMessages)
