"""No dead ends: the same question at most twice in a row (the second time with
a way out), "ja" or "weet ik niet" is not stored as a goal or a can/can't
statement, "een uur" in an answer is not 13:00, and a long story is accepted."""

from __future__ import annotations

from regiecoach.storage import checkins, drafts, meetings, users
from regiecoach.texts import say
from tests.test_checkin_flow import Chat as CheckinChat
from tests.test_meeting_flow import Chat, only_meeting, run_until_goals
from tests.test_timeline_flow import Chat as TimelineChat


def times_asked(replies_seen, question):
    return sum(question in text for text in replies_seen)


# --- the same question at most twice --------------------------------------------

def test_an_unclear_date_is_asked_twice_then_the_preparation_goes_on_without_it(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    first = chat.send("Bedrijfsarts")
    question = say("meeting", "ask_when", who="de bedrijfsarts")
    assert question in first and say("meeting", "when_way_out") not in first
    second = chat.send("ik wil mijn gesprek voorbereiden")
    assert question in second and say("meeting", "when_way_out") in second  # asked again, with a way out
    third = chat.send("dat vroeg ik toch net")
    assert question not in third  # never a third time
    assert say("meeting", "when_unknown") in third and "deur uitloopt" in third
    assert only_meeting(fresh_db)["starts_at"] is None


def test_weet_ik_nog_niet_also_works_at_the_time_question(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    chat.send("1 december")
    assert "deur uitloopt" in chat.send("weet ik nog niet")


def test_an_unclear_score_is_asked_twice_then_skipped(fresh_db, consenting_user, now):
    chat = CheckinChat(fresh_db, consenting_user, now)
    chat.say("Het gaat wel")
    second = chat.say("heel veel")
    assert "overslaan" in second
    third = chat.say("dat weet ik echt niet")
    assert say("checkin", "ask_energy") not in third
    assert say("checkin", "score_skipped") in third and say("checkin", "ask_confidence") in third


def test_a_score_may_be_skipped_once_it_was_not_understood(fresh_db, consenting_user, now):
    chat = CheckinChat(fresh_db, consenting_user, now)
    chat.say("Het gaat wel")
    chat.say("geen idee")
    assert say("checkin", "ask_confidence") in chat.say("overslaan")


def test_a_question_without_a_way_on_pauses_after_twice_and_keeps_the_draft(fresh_db, now):
    users.set_consent(fresh_db, "7", True, now)
    chat = TimelineChat(fresh_db, "7", now)
    question = say("timeline", "ask_status")
    seen = [chat.say("ik wil mijn gesprek voorbereiden")]
    assert say("engine", "way_out_stop") in seen[0]
    seen.append(chat.say("ik wil mijn gesprek voorbereiden"))
    assert times_asked(seen, question) == 1  # with the first ask: twice in all
    assert chat.running is None and "/tijdlijn" in seen[-1]
    assert drafts.load_draft(fresh_db, "7", "timeline") is not None


def test_an_understood_answer_on_the_same_step_is_no_repeat(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    chat.send("1 december om 10 uur")
    chat.send("2 december om 11 uur")  # a corrected date at the confirmation
    reply = chat.send("3 december om 9 uur")
    assert "donderdag 3 december om 09:00, klopt dat?" in reply
    assert say("meeting", "when_way_out") not in reply


# --- non-answers are not stored as content --------------------------------------

def test_ja_is_not_a_goal_it_gets_an_example_then_may_be_skipped(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    reply = chat.send("ja")
    assert say("meeting", "goal_non_answer") in reply and say("meeting", "open_way_out") in reply
    assert meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"]) == []
    reply = chat.send("overslaan")
    assert say("meeting", "no_goal_yet") in reply and say("meeting", "ask_can") in reply
    assert meetings.list_goals(fresh_db, "42", only_meeting(fresh_db)["id"]) == []


def test_nee_dat_was_het_is_not_what_i_can_do(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    chat.send("Afspraken over mijn uren in januari")
    chat.send("Nee, verder")
    reply = chat.send("nee, dat was het")
    assert say("meeting", "can_non_answer") in reply
    assert meetings.list_statements(fresh_db, "42", only_meeting(fresh_db)["id"], "can") == []
    chat.send("Een half uur wandelen lukt")
    statements = meetings.list_statements(fresh_db, "42", only_meeting(fresh_db)["id"], "can")
    assert [s["text"] for s in statements] == ["Een half uur wandelen lukt"]


def test_two_non_answers_skip_the_statement_without_a_third_ask(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    chat.send("Afspraken over mijn uren in januari")
    chat.send("Nee, verder")
    chat.send("ok")
    reply = chat.send("weet ik niet")
    assert say("meeting", "ask_can") not in reply and say("meeting", "ask_cannot") in reply
    assert meetings.list_statements(fresh_db, "42", only_meeting(fresh_db)["id"], "can") == []


# --- "een uur" and long answers ---------------------------------------------------

def test_een_uur_in_an_answer_is_not_one_oclock(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    chat.send("Bedrijfsarts")
    reply = chat.send("dinsdag 1 december, het duurt een uur")
    assert "13:00" not in reply
    assert say("meeting", "ask_time", day="dinsdag 1 december") in reply
    assert "13:00, klopt dat?" in chat.send("om een uur")  # "om een uur" is a time


def test_a_long_story_in_the_checkin_is_accepted_and_kept(fresh_db, consenting_user, now):
    chat = CheckinChat(fresh_db, consenting_user, now)
    story = ("Het was een rare periode. Ik ben begonnen met wandelen, elke ochtend een half uur, "
             "en dat ging steeds beter, ook al was ik soms heel moe en had ik geen zin. ") * 5
    reply = chat.say(story)
    assert len(story) > 600 and "korter" not in reply and "tekens" not in reply
    for answer in ("5", "Het wandelen", "5", "Mijn partner", "5", "overslaan", "Niks", story, "Bellen", "Geen datum"):
        chat.say(answer)
    assert checkins.last_checkin(fresh_db, consenting_user)["went_well"] == " ".join(story.split())



def test_overslaan_where_it_cannot_counts_too(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    question = say("meeting", "ask_who")
    first = chat.send("overslaan")
    assert say("engine", "cannot_skip") in first and question in first
    second = chat.send("overslaan")
    assert question not in second and "/voorbereiden" in second
    assert chat.running is None
    assert drafts.load_draft(fresh_db, "42", "meeting") is not None  # kept for later
    assert question in Chat(fresh_db, now).text  # and /voorbereiden asks the same question again


def test_two_non_answers_to_the_goal_move_on_with_one_clear_message(fresh_db, now, consenting_user):
    chat = Chat(fresh_db, now)
    run_until_goals(chat)
    chat.send("ja")
    reply = chat.send("weet ik niet")
    assert say("meeting", "no_goal_yet") in reply and say("engine", "skipped") not in reply
    assert say("meeting", "ask_can") in reply
