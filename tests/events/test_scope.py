"""Scope of embedded content and coverage by class (issue 22, items 2 and 6).

Every sentence here was written for these tests, in several styles (wire copy, official
readouts, op-eds, headlines, legal and official text) and about several pairs. A row is
(pair, expectation, sentence): "+" reads as conflict and "-" as cooperation, both with the tone
and by the cues alone; "0" moves the cues by less than one weak cue (names, titles, boilerplate,
sub-words); ">=0" is a cooperative act that is not done (demanded, made a condition, refused,
dismissed, alleged, out of the question): the cues must not read it as cooperation.

TUNE was written first and the lexicon and scope rules were fixed against it by class. HELD_OUT
was written in one sitting before any change of this round and was run only at the end (its
before and after figures are in docs/method/scope.md); its misses are marked xfail with the
reason, so that a later fix can be seen (strictly, except the three that attribution and the
gazetteer decide, which other work may fix). Write new held-out sentences before the next round.
"""

import glob
import os
import re

import pytest
import vaderSentiment

from metrics.events.extract import Extractor
from metrics.events.lexicon import default_lexicon
from metrics.read.readers import article_from_text
from metrics.resources import data_dir
from metrics.score.scoring import prepare, raw_scores

NEUTRAL = 1.5  # less than one weak cue: a talk (1) may be read, no act

TUNE = [
    # demand / appeal / condition / purpose / rejection / refusal / dismissal / accusation
    ("US-CN", ">=0", "The United States said China must lift its sanctions on American defence firms."),
    ("RU-UA", ">=0", "Moscow will keep fighting unless Kyiv agrees to release the captured soldiers."),
    ("KR-KP", "+", "North Korea rejected an offer of aid from South Korea."),
    ("US-CN", ">=0", "A Chinese official said a compromise with Washington on Taiwan was out of the question."),
    ("IN-PK", ">=0", "Pakistan said it would restore trade with India only if New Delhi reversed its decision on Kashmir."),
    ("US-IR", ">=0", "Iran refused to release the American prisoners."),
    ("JP-CN", ">=0", "Japan insisted that China needs to stop its coast guard patrols and return to dialogue."),
    ("US-CN", ">=0", "Washington imposed the export controls in order to force Beijing to negotiate."),
    ("US-CN", ">=0", "Beijing dismissed US calls for a ceasefire in the trade war."),
    ("IN-PK", ">=0", "India accused Pakistan of sheltering militants while pretending to cooperate."),
    ("RU-UA", ">=0", "Russia said a truce with Ukraine was off the table."),
    ("US-CN", ">=0", "The senators urged the White House to refrain from easing sanctions on Chinese banks."),
    ("EU-RU", ">=0", "The EU stressed the obligation of Russia to withdraw its troops."),
    ("US-CN", ">=0", "Beijing will hold talks with Washington provided that the tariffs are removed first."),
    ("US-CN", ">=0", "The tariffs are designed to push China to open its markets."),
    ("GB-CN", ">=0", "Britain called the Chinese offer of a trade deal a non-starter."),
    # easing a hostile measure
    ("US-CN", "-", "The United States lifted the boycott of Chinese solar panels."),
    ("US-CN", "-", "Washington suspended the tariffs on Chinese goods for 90 days."),
    ("EU-RU", "-", "The EU failed to renew its sanctions on Russian oligarchs, letting them lapse."),
    ("US-CN", "-", "The White House shortened the entity list, removing 30 Chinese companies."),
    ("US-CN", "-", "Washington and Beijing agreed on a 90-day tariff truce."),
    ("US-CN", "-", "The US announced a tariff cut on Chinese electronics."),
    ("IN-CN", "-", "India abolished its restrictions on Chinese investment."),
    ("CN-AU", "-", "China scrapped the embargoes on Australian wine and coal."),
    ("US-IR", "-", "The United States cancelled the sanctions on Iran's central bank."),
    ("KR-KP", "-", "South Korea freed the North Korean fishermen and sent them home."),
    ("US-CN", "-", "Beijing agreed to free two American citizens."),
    ("JP-KR", "-", "Japan ended its curbs on semiconductor materials for South Korea."),
    # names, titles, boilerplate, sub-words
    ("US-CN", "0", "Human Rights Watch and Amnesty sent letters to the United States and China."),
    ("US-CN", "0", "The Agency for International Development works in the United States and China."),
    ("US-CN", "0", "Customs issued a Withhold Release Order on Chinese tomatoes, as the United States does each year."),
    ("US-CN", "0", "The United States strategy to combat forced labor covers goods from China."),
    ("US-CN", "0", "The threats section of the US report on China runs to four pages."),
    ("US-CN", "0", "The eastern province of China and the western United States share weather."),
    ("US-CN", "0", "It is easy for Chinese and American students to find jobs, easily the best market."),
    ("US-CN", "0", "The yuan rose against the dollar, and the pound fell; China and the United States traded 2 billion pounds."),
    ("US-CN", "0", "The Gulf Cooperation Council spoke with China and the United States."),
    ("US-CN", "0", "American and Chinese Thanksgiving travel set records, airlines in the United States and China said."),
    ("US-CN", "0", "Shuttle buses ran between US and Chinese pavilions."),
    ("US-CN", "0", "The Office for the Coordination of Humanitarian Affairs met no US or Chinese staff."),
    ("US-CN", "0", "Weak consumer demand in China and the United States weighed on oil prices."),
    ("US-CN", "0", "Chinese mills raised output to meet demand for steel in the United States."),
    # material cooperation
    ("US-CN", "-", "Chinese firms invested $3 billion in American factories."),
    ("JP-CN", "-", "China paid compensation to Japanese fishermen for the damaged nets."),
    ("US-IN", "-", "The United States shared intelligence with India about the Chinese deployment."),
    ("US-RU", "-", "The United States gave asylum to a Russian defector."),
    ("PK-CN", "-", "Pakistan received J-10 fighter jets from China."),
    ("TW-US", "-", "Taiwan received assurances from the United States on arms deliveries."),
    # yielding
    ("RU-UA", "-", "Russia withdrew its troops from the Kyiv region."),
    ("JP-KR", "-", "Japan's trade minister resigned over the dispute with South Korea."),
    # attacks, sabotage
    ("RU-UA", "+", "Russian forces fired at a Ukrainian convoy near Kherson."),
    ("IL-IR", "+", "Israeli agents blew up an Iranian centrifuge facility."),
    ("IN-PK", "+", "The death toll from the Pakistani attack on the Indian camp rose to 40."),
    ("RU-UA", "+", "Heavy shelling by Russian artillery hit the Ukrainian town."),
    ("RU-UA", "+", "Ukrainian drones sabotaged a Russian rail line."),
    # hosting and attending
    ("US-CN", "-", "Beijing hosted the US climate envoy for three days of talks."),
    ("IN-PK", "-", "Pakistan's prime minister attended the swearing-in of India's prime minister."),
    # protest without against
    ("US-CN", "+", "Hong Kong activists picketed the US consulate, and Chinese crowds protested outside."),
    ("KR-JP", "+", "South Korean groups protested Japan's textbook revisions."),
    # bans
    ("IN-CN", "+", "India will not allow Chinese companies to bid for its 5G network."),
    ("US-CN", "+", "The US Commerce Department imposed restrictions on 12 Chinese firms."),
    ("RU-UA", "+", "Russia barred entry to Ukrainian officials."),
    ("US-CN", "+", "China imposed an entry ban on the US congressman."),
    # accusation
    ("US-CN", "+", "Washington presented evidence against Beijing of cyber intrusions."),
    # unanswered calls
    ("US-CN", "+", "China left a US request for defence talks unanswered."),
    # drills
    ("CN-TW", "+", "China held large-scale military drills around Taiwan."),
    ("US-JP", "-", "US and Japanese forces held routine joint drills off Okinawa."),
    # headlines and readouts
    ("US-CN", "-", "US cuts tariffs on Chinese goods"),
    ("RU-UA", "+", "Russia fires at Ukrainian ships in Black Sea"),
    ("US-CN", "+", "US imposes restrictions on Chinese drone makers"),
    ("JP-CN", "-", "Japan hosts Chinese foreign minister"),
    # legal text
    ("US-CN", "+", "The Secretary of the Treasury shall block all property of the listed Chinese entities in the United States."),
    ("US-CN", "0", "Nothing in this order shall be construed to impair the authority granted by law to an executive department, including with respect to China, the United States said."),
    # op-ed
    ("US-CN", ">=0", "Washington should lift the tariffs on Chinese goods before the next round, and it must do so soon."),
    ("US-CN", "-", "By scrapping its entity list designations of Chinese universities, Washington has offered a rare olive branch."),
    ("RU-UA", "+", "Russia's shelling of Ukrainian cities, and the death toll it leaves, should shame its defenders."),
    ("US-CN", ">=0", "Any deal with Beijing is a non-starter, the Republican chairman wrote."),
    # official readout
    ("US-CN", "-", "President Biden hosted President Xi at the Filoli estate, where the two leaders agreed to restore military communication."),
    ("JP-KR", "-", "The Prime Minister attended the ceremony in Seoul at the invitation of the President of the Republic of Korea, Japan's foreign ministry said."),
    ("IN-PK", "+", "India strongly protested Pakistan's decision to hold elections in the disputed region."),
    # wire
    ("IR-IL", "+", "Iranian forces opened fire on an Israeli-owned tanker in the Gulf."),
    ("RU-UA", "+", "Saboteurs blew up a bridge used by Russian forces to supply troops in Ukraine, Kyiv said."),
    ("CN-PH", "+", "Chinese coast guard vessels fired water cannon at Philippine boats."),
    ("US-CN", "-", "Chinese investment in US factories rose for a third straight year."),
    ("DE-UA", "-", "Germany agreed to pay Ukraine compensation for grain lost in transit."),
    ("US-IL", "-", "Israel received a shipment of bunker-busting bombs from the United States."),
    ("TR-SA", "-", "Turkey and Saudi Arabia lifted their trade boycotts, ending a four-year dispute."),
    ("US-CN", "+", "China's commerce ministry said it will not allow US chip makers to sell to its critical infrastructure operators."),
    ("US-CN", "+", "Beijing imposed restrictions on exports of gallium to the United States."),
    ("RU-GB", "+", "Moscow imposed an entry ban on 54 British lawmakers."),
    ("US-CN", "+", "Prosecutors in the United States said they had evidence against five Chinese hackers."),
    ("US-CN", "-", "Beijing gave Washington assurances that its balloon would not return."),
    ("IN-PK", "-", "India freed 20 Pakistani fishermen, who returned home on Monday."),
    # headlines
    ("EU-CN", "-", "EU, China agree tariff truce"),
    ("US-CN", "-", "US cancels tariffs on Chinese cranes"),
    ("RU-UA", "-", "Russia pulls its troops back from Ukraine's Kherson region"),
    ("KR-KP", "+", "North Korea blows up liaison office with South Korea"),
    # legal / official
    ("US-CN", "+", "The United States Secretary of Commerce is directed to impose export restrictions on the entities in China listed in the annex to this order."),
    ("US-CN", "0", "Section 4 of this annex defines the terms used; Annex I lists the United States and China offices concerned."),
]
MINIMAL_PAIRS = [
    # (done, not done): the second differs by a scope word and must not read as the cooperative act
    ("US-CN", "China lifted its sanctions on US defence firms.", "China must lift its sanctions on US defence firms."),
    ("RU-UA", "Russia released the Ukrainian sailors.", "Russia will not talk unless Ukraine agrees to release the Russian sailors."),
    ("KR-KP", "North Korea accepted aid from South Korea.", "North Korea rejected an offer of aid from South Korea."),
    ("US-CN", "Washington agreed to a compromise with Beijing.", "Washington said a compromise with Beijing was out of the question."),
    ("IN-PK", "India resumed talks with Pakistan.", "India demanded that Pakistan resume talks."),
    ("JP-CN", "Japan and China signed a fisheries deal.", "Japan refused to sign a fisheries deal with China."),
    ("US-CN", "The United States eased export controls on China.", "The United States rejected calls to ease export controls on China."),
    ("US-IR", "Iran released the American hostages.", "The United States accused Iran of pretending to release the American hostages."),
]

# (pair, the act told as the sentence's event, the same act as background): the background one
# keeps at most background_factor of the cue strength.
BACKGROUND_PAIRS = [
    ("IN-PK", "Indian and Pakistani armies fought at the fort.", "The fort, where Indian and Pakistani armies fought five decades ago, is now a museum."),
    ("US-CN", "The United States and China signed a trade deal.", "Against the backdrop of a trade deal signed by the United States and China, markets rose."),
    ("RU-UA", "Russia attacked Ukraine's power grid.", "Ukraine's grid, which Russia attacked last winter, was repaired."),
    ("US-CN", "US and Chinese envoys signed a pact in Geneva.", "US and Chinese envoys, who signed a pact in Geneva two years ago, have both retired."),
    ("JP-CN", "Chinese ships rammed a Japanese patrol boat.", "Having rammed a Japanese patrol boat a decade ago, Chinese ships now keep their distance."),
    ("KR-KP", "North Korea shelled a South Korean island.", "Ahead of the anniversary of North Korea's shelling of a South Korean island, Seoul held a service."),
]

HELD_OUT = [
    # --- item 2: cooperation inside a demand, condition, purpose, appeal, rejection, refusal, dismissal, accusation
    ("US-CN", ">=0", "Washington insists that Beijing must release the detained executives before any summit."),
    ("RU-UA", ">=0", "Kyiv will not sign anything unless Moscow agrees to withdraw its forces from the occupied regions."),
    ("IN-PK", ">=0", "India dismissed Pakistan's offer to resume the composite dialogue as a publicity stunt."),
    ("JP-CN", ">=0", "Tokyo brushed off Beijing's proposal for joint development of the gas field."),
    pytest.param("US-IR", ">=0", "Iran said lifting the sanctions was a precondition for any return to the nuclear deal with the United States.",
                 marks=pytest.mark.xfail(strict=True, reason="a 'precondition' noun after the act is not read as a condition")),
    ("KR-KP", ">=0", "Pyongyang said talks with Seoul were out of the question while the drills continued."),
    ("US-CN", ">=0", "Beijing accused Washington of using the trade talks as cover for espionage."),
    ("RU-UA", ">=0", "Moscow spurned a Ukrainian appeal for a prisoner exchange before the holidays."),
    ("US-CN", ">=0", "The senator said the administration should not lift tariffs on China until it stops subsidising steel."),
    ("IN-PK", ">=0", "India has repeatedly pushed for Pakistan to hand over the suspects in the Mumbai attacks."),
    ("TR-FR", ">=0", "Turkey demanded that France apologise for the remarks."),
    ("US-CN", "+", "China vetoed a US-drafted resolution that would have sent humanitarian aid to the region."),
    # --- easing a hostile measure
    ("US-CN", "-", "The United States extended the tariff exclusions on Chinese medical goods for another year."),
    ("JP-KR", "-", "Japan abolished the export restrictions it had imposed on South Korea in 2019."),
    pytest.param("US-IR", "-", "Washington shortened the list of Iranian entities under sanctions.",
                 marks=pytest.mark.xfail(strict=True, reason="'the list of ... entities under sanctions' is no easing object; 'sanctions' counts")),
    ("EU-CN", "-", "Brussels and Beijing agreed to a tariff truce on electric vehicles."),
    ("US-CN", "-", "Washington cut tariffs on Chinese consumer goods to 10 percent."),
    ("RU-TR", "-", "Russia ended its ban on Turkish tomatoes."),
    ("US-VN", "-", "The US lifted its arms embargoes on Vietnam."),
    ("IN-PK", "-", "Pakistan decided not to renew its ban on Indian films."),
    ("CN-AU", "-", "China cancelled the anti-dumping duties on Australian barley."),
    # --- background: setting, relative, ago, participles
    ("US-CN", "0", "The talks come three years after the two countries fought a bruising trade war, which ended with a partial deal."),
    pytest.param("IN-PK", "0", "The border, where troops clashed decades ago, was quiet on Sunday, officials from India and Pakistan said.",
                 marks=pytest.mark.xfail(strict=True, reason="background keeps background_factor of a clash (3.5), more than a weak cue")),
    ("RU-UA", "0", "Against the backdrop of the war, Russian and Ukrainian athletes competed in Paris."),
    # --- names, titles, boilerplate, sub-words
    ("US-CN", "0", "The United Nations Emergency Relief Coordinator briefed Chinese and American diplomats on the famine."),
    ("US-CN", "0", "Amnesty International published its annual report on the United States and China."),
    ("US-CN", "0", "Annex II lists the Chinese entities; the United States Customs Service administers the annex."),
    ("US-CN", "0", "Chinese and American tourists flocked to the east coast for the Easter holiday."),
    ("US-CN", "0", "The Shanghai Cooperation Organisation met in Astana; the United States and China sent observers."),
    pytest.param("US-CN", "0", "The report by the US Department of Homeland Security on China was released as a press release.",
                 marks=pytest.mark.xfail(strict=True, reason="a report 'was released' reads as a release")),
    # --- item 6 classes, in several styles
    ("US-CN", "-", "American pension funds poured billions of dollars of investment into Chinese firms last year."),
    ("JP-KR", "-", "Japan agreed to pay compensation to South Korean victims."),
    ("US-UA", "-", "The United States is providing intelligence to Ukraine on Russian troop movements."),
    ("DE-RU", "-", "Germany granted asylum to three Russian journalists."),
    ("UA-US", "-", "Ukraine received the first Patriot missile systems from the United States."),
    ("US-CN", "-", "Washington gave Beijing assurances that it does not seek a new cold war."),
    ("IN-PK", "-", "Pakistan said it would pull its own troops back from the Line of Control as India did the same."),
    ("KR-KP", "-", "South Korea's defence minister resigned after the botched response to North Korea's drone."),
    ("RU-UA", "+", "Ukrainian saboteurs blew up a Russian ammunition depot in Crimea."),
    ("IN-PK", "+", "Pakistani troops fired at Indian posts along the Line of Control overnight."),
    pytest.param("RU-UA", "+", "Russian shelling of Kharkiv left a death toll of at least 12.",
                 marks=pytest.mark.xfail(strict=False, reason="the target is a city the gazetteer lacks (attribution, items 3-5); another branch may fix it")),
    ("IL-IR", "+", "The death toll from the Israeli strike on the Iranian consulate rose to 16."),
    ("JP-CN", "-", "Tokyo hosted China's premier for the trilateral summit."),
    ("US-CN", "-", "China's vice president attended the inauguration of the US president."),
    ("US-CN", "+", "The United States stressed China's obligation to abide by the arbitration ruling."),
    pytest.param("KR-JP", "+", "Thousands of South Koreans took to the streets to denounce Japan's wastewater release.",
                 marks=pytest.mark.xfail(strict=True, reason="a release that is the object of a denunciation counts as one")),
    ("IN-PK", "+", "India will not allow Pakistani aircraft to use its airspace."),
    ("US-CN", "+", "Washington imposed new restrictions on Chinese chip makers."),
    ("US-CN", "+", "The FBI said it had evidence against Chinese agents operating in New York."),
    ("RU-GB", "+", "Russia barred 23 British officials from entering the country."),
    ("US-CN", "+", "Repeated requests by the Pentagon for a call with China's defence minister have gone unanswered."),
    ("CN-TW", "+", "China launched large-scale exercises encircling Taiwan, a day after the island's new president took office."),
    pytest.param("US-KR", "-", "The US and South Korea held routine annual drills, which North Korea did not comment on.",
                 marks=pytest.mark.xfail(strict=True, reason="drills of allies without 'joint' read as posture (hedged)")),
    # headlines
    ("US-CN", "-", "US lifts ban on Chinese drone maker"),
    ("RU-UA", "+", "Russia shells Ukrainian port city, death toll climbs"),
    ("US-CN", "+", "China bars US lawmaker from entry"),
    # official readout
    ("US-CN", "-", "The two sides agreed to resume military-to-military communication and to hold a working-level meeting soon, the readout from the United States and China said."),
    # legal / official document style
    pytest.param("US-CN", "+", "Pursuant to section 1, the Secretary shall impose sanctions on any Chinese person determined to have engaged in the activities described.",
                 marks=pytest.mark.xfail(strict=False, reason="'the Secretary' names no country (attribution, items 3-5); another branch may fix it")),
    ("US-CN", "0", "This order is not intended to, and does not, create any right or benefit enforceable at law by China or the United States."),
]

_X = Extractor()


def _raw(text, dyad):
    """Raw score of one sentence for the pair: with the default weights, and by the cues alone."""
    prep = prepare(_X.extract_many([article_from_text(text, "t.txt")]), dyad)
    return float(raw_scores(prep)[0]), float(raw_scores(prep, {"tone": 0.0})[0])


def _check(dyad, expect, text):
    raw, cues = _raw(text, dyad)
    if expect == "+":
        assert raw > 0 and cues > 0, (raw, cues)
    elif expect == "-":
        assert raw < 0 and cues < 0, (raw, cues)
    elif expect == "0":
        assert abs(cues) < NEUTRAL, (raw, cues)
    else:
        assert expect == ">=0"
        assert cues >= 0 and raw >= -NEUTRAL, (raw, cues)


def _ids(rows):
    return [f"{r[0]}{r[1]}-{i}" for i, r in enumerate(getattr(r, "values", r) for r in rows)]


@pytest.mark.parametrize(("dyad", "expect", "text"), TUNE, ids=_ids(TUNE))
def test_tune(dyad, expect, text):
    _check(dyad, expect, text)


@pytest.mark.parametrize(("dyad", "expect", "text"), HELD_OUT, ids=_ids(HELD_OUT))
def test_held_out(dyad, expect, text):
    _check(dyad, expect, text)


@pytest.mark.parametrize(("dyad", "done", "embedded"), MINIMAL_PAIRS, ids=[p[2][:40] for p in MINIMAL_PAIRS])
def test_a_cooperative_act_in_a_demand_condition_or_refusal_is_not_done(dyad, done, embedded):
    assert _raw(done, dyad)[1] < 0
    assert _raw(embedded, dyad)[1] > 0


@pytest.mark.parametrize(("dyad", "event", "background"), BACKGROUND_PAIRS, ids=[p[2][:40] for p in BACKGROUND_PAIRS])
def test_background_clauses_keep_a_share_of_the_act(dyad, event, background):
    told, bg = _raw(event, dyad)[1], _raw(background, dyad)[1]
    assert abs(told) >= 2 and abs(bg) <= 0.4 * abs(told), (told, bg)


def test_each_scope_word_is_the_difference():
    # the same sentence with and without the scope word: only the word changes the reading
    for dyad, plain, scoped in [
        ("US-CN", "China lifts sanctions on US firms.", "China must lift sanctions on US firms."),
        ("US-CN", "China agrees to release the US pilots.", "China will retaliate unless the US agrees to release the Chinese pilots."),
        ("US-CN", "China offered aid to the United States.", "China dismissed an offer of aid from the United States."),
        ("US-CN", "A truce with the United States, China said.", "A truce with the United States is off the table, China said."),
    ]:
        assert _raw(plain, dyad)[1] < 0 < _raw(scoped, dyad)[1], (plain, scoped)


# --- every pattern matches whole words -------------------------------------------------------
# Real words that begin with a cue's stem but are other words: none may supply a cue.
TRAPS = """east eastern easter easy easily feast endorse endorsed endanger endless endure allegiance
thanksgiving shuttle shuttles pounds occupational annex annexes brokerage firm firms first sentimental
handsome handle handshake promiscuous lowercase battleground battlegrounds cutest passionate security
citizens duties window""".split()


@pytest.mark.parametrize("word", TRAPS)
def test_a_word_that_only_begins_with_a_stem_is_no_cue(word):
    for frame in (f"The {word} was mentioned by Chinese and American officials.", f"{word.capitalize()} figures in the US-China report."):
        found = [(_X.lexicon.families[m.cue].id, m.matched) for m in _X.extract(article_from_text(frame, "t.txt")).matches
                 if m.strength and word in m.matched.lower().split()]
        assert not found, (frame, found)


def _vocabulary() -> set[str]:
    """English words to try the stems on: VADER's lexicon (shipped with the package) and the
    sample corpus."""
    words = set()
    path = os.path.join(os.path.dirname(vaderSentiment.__file__), "vader_lexicon.txt")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            w = line.split("\t", 1)[0].lower()
            if w.isalpha():
                words.add(w)
    for name in glob.glob(str(data_dir() / "articles" / "*")):
        with open(name, encoding="utf-8") as fh:
            words |= set(re.findall(r"[a-z]+", fh.read().lower()))
    return words


# What may follow a stem: inflections and the derivations that keep the sense.
_INFLECTIONS = frozenset(
    "- e es s ed d ing ings ion ions ation ations ment ments er ers or ors ive ively iveness ity ities ies ied y ist "
    "ists ism isms ize ise ized ised izes ises izing ising ization isation ful fully al ally ly ance ances ancy ence "
    "ences ant ants ent ents ory atory ure ures edly ingly ee ees ative ate ated ates ating ator ators ial ives age "
    "ages ic ically ness".split()
) | {""}
# Words a stem reaches that are other inflections or the same sense, looked at one by one.
_SAME_SENSE = frozenset(
    """coercion coercive complaint complaints criticism criticisms criticizable disagreeable disagreeableness
    disagreeablenesses disagreeably dissatisfaction dissatisfactions dissatisfactory dissatisfying encouragement
    encouragements filoli giver givers helpfulness helpless helplessly helplessness helplessnesses hostilely hypocrisy
    hypocritical ignorable ignorami ignoramus ignoramuses ignorantly ignorantness improvement improvements killdeer
    killdeers killdees killick killie killifish killifishes killjoy killjoys killock killocks lowercase lowercased
    lowerclassman lowermost memoranda memorandum murderess murderesses murderous murderously murderousness outrageous
    outrageously outrageousness outrageousnesses praiseworthily praiseworthiness praiseworthy pressured pressureless
    pressuring pressurise pressurised pressurises pressurising pressurizations pressurize pressurized pressurizer
    pressurizers pressurizes pressurizing promiscuities promiscuity promiscuous promiscuously promiscuousness relaxedness
    relaxin relaxins reluctance reluctancy reluctant reluctantly repressible repressurize repressurized repressurizes
    repressurizing shown stolen stressless stresslessness suppliers supplying suspended suspends terroristic terrorless
    torturer torturers walkout walkouts window product production productive products abusivenesses acceptabilities
    acceptability acceptable acceptableness acceptably acrimonious agreeability agreeable agreeableness agreeablenesses
    agreeably announcement antagonism antagonisms antagonist antagonistic antagonistically antagonists awardable breakdown
    breakthroughs calmatives calmest calmnesses calmodulin""".split()
)


@pytest.mark.slow
def test_every_open_stem_reaches_only_its_own_word():
    """A stem written open (``eas\\w*``) matches every word that begins with it: "east" for
    "ease". Each open stem of every pattern is tried on an English vocabulary; a word it reaches
    that is neither an inflection of it nor listed above as looked at is a sub-word match."""
    vocab = _vocabulary()
    assert len(vocab) > 5000
    stray = {}
    for fam in default_lexicon().families:
        for pattern in fam.patterns:
            for m in re.finditer(r"([a-z][a-z-]*(?:\[[a-z]+\][a-z]*)?)\\w\*", pattern):
                rx = re.compile("^(" + m.group(1) + r")(\w*)$")
                for w in vocab:
                    hit = rx.match(w)
                    if not hit or w in _SAME_SENSE:
                        continue
                    suffix, stem = hit.group(2), hit.group(1)
                    if suffix in _INFLECTIONS or (suffix[:1] == stem[-1:] and suffix[1:] in _INFLECTIONS):
                        continue
                    stray.setdefault(f"{fam.id}: {m.group(1)}", set()).add(w)
    assert not stray, stray
