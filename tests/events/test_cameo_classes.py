"""The lexicon by CAMEO root class (01-20): each class in several styles (wire copy, official
readout, headline, op-ed), about several pairs, in several tenses and paraphrases. Every
sentence was written for these tests. A sentence must read the way its class points, for the
pair it names: 01 statements near 0, 02-08 cooperative (tension below 0), 09-20 conflictual
(above 0), both with the tone and by the cues alone, so that VADER's tone cannot carry a
sentence the lexicon misses.

HELD_OUT was written before any lexicon change made for this file and was not looked at while
the lexicon was fixed: it measures whether a fix was for the class or for the sentence. It read
34 of 40 the intended way with lexicon v9 and the same 34 after the training round of v10; its
six misses (relief goods airlifted, "relaxed visa rules", "asked X to stop", "lashed out at",
"moved troops", "pulled out of the deal") were then fixed as classes, so it is no longer blind to
those six classes: write new held-out sentences before the next round."""

import pytest

from metrics.events.extract import Extractor
from metrics.model import Features
from metrics.read.readers import article_from_text
from metrics.score.scoring import prepare, raw_scores

# A statement (01) may touch one cue of weight 1 ("talks"), never a real act (>= 2).
NEUTRAL = 1.5

TRAIN = [
    # 01 make public statement: neither sign strongly
    ("01", "US-CN", "China's foreign ministry spokesman commented on the United States trade figures at a regular briefing on Monday."),
    ("01", "IN-PK", "Indian officials said on Tuesday they had taken note of Pakistan's statement on its new budget."),
    ("01", "JP-CN", "Japan's chief cabinet secretary declined to comment on China's latest economic data."),
    ("01", "RU-UA", "Kremlin comments on Ukraine's grain export figures"),
    ("01", "US-CN", "The State Department issued a statement on China's census results."),
    ("01", "US-CN", "Washington's view of Beijing's new five-year plan remains, for now, a matter of wait and see."),
    # 02 appeal
    ("02", "US-CN", "The United States urged China to resume talks on climate change."),
    ("02", "IN-PK", "India appealed to Pakistan for restraint along the border."),
    ("02", "JP-CN", "Tokyo asks Beijing to reopen dialogue on fisheries"),
    ("02", "RU-UA", "Kyiv has repeatedly called on Moscow to return to negotiations."),
    ("02", "KR-KP", "South Korea asked North Korea to allow reunions of separated families."),
    ("02", "US-CN", "Washington pleaded with Beijing to help curb the flow of fentanyl."),
    ("02", "IN-PK", "Pakistan is appealing to India to share river flow data during the monsoon."),
    # 03 express intent to cooperate
    ("03", "US-CN", "China said it is ready to work with the United States to stabilise relations."),
    ("03", "IN-PK", "India is willing to hold talks with Pakistan on trade, the foreign secretary said."),
    ("03", "JP-CN", "Japan vows to deepen economic ties with China"),
    ("03", "RU-UA", "Russia expressed its willingness to negotiate with Ukraine on grain shipments."),
    ("03", "US-CN", "Beijing signalled it would consider resuming climate talks with Washington."),
    ("03", "KR-KP", "Seoul pledged to send food aid to Pyongyang."),
    ("03", "RU-UA", "Ukraine offered to host talks with Russia in Istanbul."),
    # 04 consult
    ("04", "US-CN", "The US Secretary of State spoke by phone with the Chinese foreign minister on Thursday."),
    ("04", "IN-PK", "Indian and Pakistani officials met in Islamabad to discuss water sharing."),
    ("04", "JP-CN", "Japanese, Chinese leaders hold talks on sidelines of regional summit"),
    ("04", "US-CN", "Foreign Minister Wang Yi received the visiting US delegation in Beijing."),
    ("04", "RU-UA", "Russian and Ukrainian negotiators convened in Istanbul for a second round of talks."),
    ("04", "KR-KP", "South Korean and North Korean officials will sit down for talks at the border village next week."),
    ("04", "JP-CN", "The Japanese ambassador called on China's vice foreign minister to discuss fisheries."),
    # 05 engage in diplomatic cooperation
    ("05", "US-CN", "The United States and China signed a memorandum on climate cooperation."),
    ("05", "JP-CN", "Japan praised China's decision to resume seafood imports."),
    ("05", "IN-PK", "India thanked Pakistan for returning the fishermen."),
    ("05", "RU-UA", "Moscow, Kyiv agree to grain corridor deal"),
    ("05", "KR-KP", "Seoul welcomed Pyongyang's decision to reopen the liaison office."),
    ("05", "JP-CN", "China apologised to Japan for the collision of a fishing boat."),
    ("05", "US-CN", "Washington endorsed Beijing's proposal for a regional forum on fisheries."),
    # 06 engage in material cooperation
    ("06", "US-CN", "The United States and China resumed cooperation on counternarcotics enforcement."),
    ("06", "JP-CN", "Japan and China launched a joint research programme on marine plastic."),
    ("06", "IN-PK", "India and Pakistan exchanged lists of nuclear installations under a bilateral accord."),
    ("06", "US-CN", "US, China to share data on fentanyl shipments"),
    ("06", "KR-KP", "South Korea and North Korea reconnected rail and road links across the border."),
    ("06", "US-CN", "China extradited a fugitive wanted in the United States for fraud."),
    ("06", "IN-PK", "India and Pakistan reopened the border crossing to trade after two years."),
    # 07 provide aid
    ("07", "US-CN", "The United States sent humanitarian aid to China after the earthquake."),
    ("07", "IN-PK", "India dispatched relief supplies to Pakistan after the floods."),
    ("07", "JP-CN", "Japan will provide $5 million in emergency assistance to China."),
    ("07", "KR-KP", "Seoul ships rice to Pyongyang"),
    ("07", "US-CN", "China pledged medical supplies to the United States to fight the pandemic."),
    ("07", "JP-TW", "Japan donated a million vaccine doses to Taiwan."),
    # 08 yield
    ("08", "CN-CA", "China released two detained Canadian citizens on Friday."),
    ("08", "US-CN", "The United States lifted sanctions on a Chinese telecoms firm."),
    ("08", "IN-PK", "India withdrew troops from the disputed border area with Pakistan."),
    ("08", "RU-UA", "Russia frees Ukrainian prisoners"),
    ("08", "JP-KR", "Japan eased export controls on chip materials to South Korea."),
    ("08", "US-CN", "Beijing finally backed down and allowed US inspectors into the plant."),
    ("08", "IN-PK", "Pakistan agreed to India's request to hand over the suspects."),
    # 09 investigate
    ("09", "US-CN", "The United States launched an investigation into Chinese chip subsidies."),
    ("09", "IN-PK", "India opened a probe into Pakistani funding of militant groups."),
    ("09", "EU-CN", "EU probes Chinese electric car subsidies"),
    ("09", "JP-CN", "Japanese regulators are looking into Chinese hacking of defence networks."),
    ("09", "RU-UA", "Ukrainian prosecutors are investigating Russian troops over abuses in occupied towns."),
    ("09", "US-CN", "Washington's scrutiny of Chinese apps is intensifying."),
    # 10 demand
    ("10", "US-CN", "The United States demanded that China release the detained journalists."),
    ("10", "IN-PK", "India insisted that Pakistan dismantle the militant camps."),
    ("10", "RU-UA", "Kyiv demands Moscow withdraw its troops"),
    # "called on China to lift its ban" would be CAMEO 0251 appeal to yield (Goldstein -0.3), not 10
    ("10", "JP-CN", "Japan demanded that China immediately lift its ban on seafood imports."),
    ("10", "US-CN", "Beijing told Washington to stop arming Taiwan."),
    ("10", "KR-KP", "Seoul pressed Pyongyang to return the abductees."),
    # 11 disapprove
    ("11", "US-CN", "China criticised the United States for its arms sales to Taiwan."),
    ("11", "IN-PK", "India accused Pakistan of sponsoring cross-border terrorism."),
    ("11", "JP-CN", "Tokyo slams Beijing over coast guard incursions"),
    ("11", "RU-UA", "Ukraine's foreign ministry denounced Russia's sham referendums."),
    ("11", "US-CN", "Washington's complaints about Beijing's trade practices are growing louder."),
    ("11", "KR-KP", "South Korea voiced displeasure at North Korea's remarks."),
    # 12 reject
    ("12", "US-CN", "China rejected the US proposal for a new round of arms talks."),
    ("12", "IN-PK", "India dismissed Pakistan's offer of talks."),
    ("12", "RU-UA", "Moscow rebuffs Kyiv peace plan"),
    ("12", "JP-CN", "Japan refused China's demand to halt the release of treated water."),
    ("12", "US-CN", "Beijing's refusal to accept Washington's terms leaves little room for a deal."),
    ("12", "KR-KP", "North Korea turned down South Korea's offer of aid."),
    # 13 threaten
    ("13", "US-CN", "China threatened the United States with countermeasures over the chip curbs."),
    ("13", "IN-PK", "Pakistan warned India of a swift response to any aggression."),
    ("13", "RU-UA", "Russia threatens Ukraine with more strikes"),
    ("13", "KR-KP", "North Korea vowed to retaliate against South Korea."),
    # Needs code, not lexicon: the one who "would pay a price" is the target (here the subject,
    # Washington), while metrics/events/extract.py takes the first actor after the cue (Taiwan).
    pytest.param("13", "US-CN", "Beijing said Washington would pay a heavy price if it sent troops to Taiwan.",
                 marks=pytest.mark.xfail(strict=True, reason="target of 'would pay a price' is its subject")),
    ("13", "JP-CN", "Tokyo's threats of sanctions against Beijing ring hollow."),
    # 14 protest
    ("14", "RU-UA", "Thousands of Ukrainians protested outside the Russian embassy in Kyiv."),
    ("14", "IN-PK", "Indian demonstrators burned Pakistani flags in Delhi."),
    ("14", "JP-CN", "Chinese protesters rally against Japan over islands"),
    ("14", "JP-CN", "Beijing lodged a formal protest with Tokyo over the textbook."),
    ("14", "KR-JP", "South Koreans are boycotting Japanese goods for a third month."),
    ("14", "US-CN", "American students staged a sit-in against the Chinese consulate's closure order."),
    # 15 exhibit force posture
    ("15", "CN-TW", "China staged military drills near Taiwan."),
    ("15", "RU-UA", "Russia massed troops on its border with Ukraine."),
    ("15", "JP-KP", "North Korea test-fires missile toward Japan"),
    ("15", "IN-PK", "India put its forces on high alert along the border with Pakistan."),
    ("15", "US-CN", "The US Navy sailed a destroyer through the Taiwan Strait, drawing a protest from China."),
    ("15", "CN-TW", "Beijing's build-up of forces opposite Taiwan should worry everyone."),
    # 16 reduce relations
    ("16", "US-CN", "China suspended military talks with the United States."),
    ("16", "IN-PK", "India downgraded diplomatic ties with Pakistan."),
    ("16", "RU-UA", "Ukraine severs ties with Russia"),
    ("16", "JP-CN", "Japan recalled its ambassador to China."),
    ("16", "KR-KP", "Seoul halted aid to Pyongyang."),
    ("16", "US-CN", "Washington has scaled back exchanges with Beijing."),
    ("16", "CN-AU", "Beijing cut imports of Australian coal."),
    # 17 coerce
    ("17", "CN-CA", "China detained two Canadian citizens."),
    ("17", "RU-UA", "Russia arrested a Ukrainian journalist in Crimea."),
    ("17", "IN-PK", "India bans Pakistani artists"),
    ("17", "US-CN", "US authorities seized a Chinese-owned cargo ship."),
    ("17", "IN-PK", "Pakistan deported dozens of Indian nationals."),
    ("17", "US-CN", "Beijing's hacking of American networks has gone on for years."),
    # 18 assault
    ("18", "RU-UA", "Russian forces shelled Ukrainian positions near Kharkiv."),
    ("18", "IN-PK", "Pakistani militants attacked Indian soldiers in Kashmir."),
    ("18", "RU-UA", "Ukraine drone strike hits Russian oil depot"),
    ("18", "KR-KP", "North Korea abducted South Korean citizens in the 1970s."),
    ("18", "CN-IN", "Chinese troops beat Indian soldiers with clubs in a border brawl."),
    ("18", "IL-IR", "Israel assassinated an Iranian nuclear scientist, Tehran said."),
    # 19 fight
    ("19", "IN-PK", "Indian and Pakistani troops exchanged fire along the Line of Control."),
    ("19", "RU-UA", "Russia and Ukraine fought fierce battles for the city."),
    ("19", "CN-IN", "Chinese, Indian troops clash in Himalayas"),
    ("19", "RU-UA", "Ukraine's army repelled a Russian assault on Bakhmut."),
    ("19", "RU-UA", "Russian forces captured the Ukrainian town after weeks of fighting."),
    ("19", "RU-UA", "The war between Russia and Ukraine has no end in sight."),
    # 20 engage in unconventional mass violence
    ("20", "RU-UA", "Russia used chemical weapons against Ukrainian troops, Kyiv said."),
    ("20", "RU-UA", "Ukraine said Russian forces carried out mass killings of civilians in Bucha."),
    ("20", "IN-PK", "Pakistan accused India of ethnic cleansing in Kashmir."),
    ("20", "RU-UA", "Russia detonated a tactical nuclear weapon near the Ukrainian border."),
    ("20", "IL-IR", "Iran accused Israel of genocide."),
    ("20", "RU-UA", "The massacre of Ukrainian civilians by Russian troops must not go unpunished."),
    # paraphrases of patterns the lexicon already has ("no one answered", "held talks", "cut channels")
    ("16", "US-CN", "Calls from the Pentagon to the Chinese military went unanswered for weeks."),
    ("16", "US-CN", "China did not pick up the hotline when the United States called after the incident."),
    ("16", "US-CN", "Beijing has stopped returning Washington's calls."),
    ("16", "JP-CN", "China is ignoring Japan's requests for a leaders' meeting."),
    ("04", "US-CN", "The US and Chinese defence chiefs talked for an hour on Friday."),
    ("04", "IN-PK", "India and Pakistan began talks on the Kartarpur corridor on Monday."),
    ("13", "IN-PK", "India said Pakistan would face consequences for harbouring militants."),
    ("08", "JP-KR", "Japan scrapped its export curbs on South Korea."),
    # the same classes in other tenses and styles
    ("03", "KR-KP", "Seoul is seeking to build trust and strengthen ties with Pyongyang, the minister wrote."),
    # A bare "discussing" is no cue yet (only "to discuss"), and VADER's dislike of "prisoner" decides.
    pytest.param("04", "RU-UA", "Russian and Ukrainian delegations are discussing a new prisoner list in Minsk.",
                 marks=pytest.mark.xfail(strict=True, reason="bare 'discuss' is no cue; tone of 'prisoner'")),
    ("08", "US-CN", "Washington backs down on chip curbs against China"),
    ("11", "JP-CN", "Japan expressed strong dissatisfaction with China's ban on its seafood."),
    ("12", "US-CN", "China has rejected Washington's invitation for defence talks, officials said."),
    ("15", "RU-UA", "Moscow is amassing tanks and troops near the Ukrainian border, satellite images show."),
    ("16", "IN-PK", "India curtailed cultural exchanges with Pakistan after the attack."),
    # "North and South Korean" names both Koreas (the world gazetteer's lookahead).
    ("19", "KR-KP", "North and South Korean patrol boats exchanged fire near the maritime border."),
    ("20", "RU-UA", "Ukraine accused Russia of genocide in the occupied territories."),
    ("02", "US-CN", "The US is asking China to help restart talks with North Korea."),
]

HELD_OUT = [
    ("01", "KR-KP", "Seoul's unification ministry said it was reviewing Pyongyang's statement on the anniversary."),
    ("01", "RU-UA", "Ukraine's foreign minister told reporters he would speak about Russia at the conference next week."),
    ("02", "RU-UA", "Moscow urges Kyiv to come to the negotiating table"),
    ("02", "JP-CN", "The Japanese prime minister implored China to show restraint in the East China Sea."),
    ("03", "IN-PK", "Pakistan intends to restore trade ties with India, its commerce minister said."),
    ("03", "US-CN", "The White House said it hopes to expand cooperation with China on counternarcotics."),
    ("04", "US-CN", "The US envoy travelled to Beijing for consultations with Chinese counterparts."),
    ("04", "IN-PK", "Delhi hosted Pakistan's foreign minister for talks on Kashmir."),
    ("05", "JP-CN", "Japan and China issued a joint statement pledging to build a constructive relationship."),
    ("05", "IN-PK", "Pakistan congratulated India on the successful moon landing."),
    ("06", "JP-CN", "Japanese and Chinese coast guards conducted a joint search and rescue exercise."),
    ("06", "US-CN", "Beijing agreed to buy more American soybeans under the trade truce."),
    ("07", "IN-PK", "Pakistan airlifted tents and blankets to India's quake-hit region."),
    ("07", "US-CN", "US rushes rescue teams to China after deadly quake"),
    ("08", "KR-KP", "North Korea repatriated six South Korean detainees."),
    ("08", "US-CN", "Washington relaxed visa rules for Chinese students."),
    ("09", "IN-PK", "Pakistan has ordered an inquiry into Indian spying on its diplomats."),
    ("09", "US-CN", "The Commerce Department is examining whether Chinese solar panel makers evaded duties."),
    ("10", "RU-UA", "Russia is demanding that Ukraine give up its claim to Crimea."),
    ("10", "US-CN", "Beijing asked Washington to stop selling arms to Taiwan."),
    ("11", "IN-PK", "Pakistan blasted India's decision to revoke Kashmir's status."),
    ("11", "RU-UA", "Moscow lashed out at Kyiv over its comments on the church."),
    ("12", "IN-PK", "Pakistan spurned India's request for access to the suspects."),
    ("12", "US-CN", "Washington brushed aside Beijing's demands to scrap the tariffs."),
    ("13", "IN-PK", "India said it would not hesitate to strike Pakistan if attacked again."),
    ("13", "KR-KP", "Pyongyang warns Seoul of 'merciless' response"),
    ("14", "IN-PK", "Pakistani traders went on strike against India's new trade rules."),
    ("14", "US-CN", "Crowds marched on the US embassy in Beijing."),
    ("15", "IN-PK", "Pakistan moved troops to its border with India."),
    ("15", "JP-CN", "Japan scrambled fighter jets as Chinese aircraft approached its airspace."),
    ("16", "IN-PK", "Pakistan expelled India's deputy high commissioner."),
    ("16", "RU-UA", "Russia pulled out of the grain deal with Ukraine."),
    ("17", "RU-UA", "Moscow jailed a Ukrainian activist for 10 years."),
    ("17", "JP-CN", "Japan confiscated a Chinese fishing boat."),
    ("18", "RU-UA", "Russian missiles pounded Kyiv overnight."),
    ("18", "IN-PK", "Indian troops killed three Pakistani soldiers in a cross-border raid."),
    ("19", "KR-KP", "North Korean and South Korean soldiers traded gunfire across the border."),
    ("19", "IL-IR", "Israeli jets bombed Iranian bases in Syria."),
    ("20", "IL-IR", "Iran accused Israel of mass atrocities against civilians."),
    ("20", "RU-UA", "Kyiv said Russian troops tortured and executed hundreds of civilians."),
]

_X = Extractor()


def _raw(text, dyad):
    """Raw score of one sentence for the pair: with the default weights, and by the cues alone.
    ``extract`` and ``Features.build`` are ``extract_many`` without its write of the start-up
    cache after every call, which took most of this module's time, one sentence at a time."""
    prep = prepare(Features.build([_X.extract(article_from_text(text, "t.txt"))], _X.lexicon.version), dyad)
    return float(raw_scores(prep)[0]), float(raw_scores(prep, {"tone": 0.0})[0])


def _check(root, dyad, text):
    raw, cues = _raw(text, dyad)
    if root == "01":
        assert abs(raw) < NEUTRAL and abs(cues) < NEUTRAL, (raw, cues)
    elif int(root) <= 8:
        assert raw < 0 and cues < 0, (raw, cues)
    else:
        assert raw > 0 and cues > 0, (raw, cues)


def _ids(rows):
    return [f"{r[0]}-{r[1]}-{i}" for i, r in enumerate(getattr(r, "values", r) for r in rows)]


@pytest.mark.parametrize(("root", "dyad", "text"), TRAIN, ids=_ids(TRAIN))
def test_train(root, dyad, text):
    _check(root, dyad, text)


@pytest.mark.parametrize(("root", "dyad", "text"), HELD_OUT, ids=_ids(HELD_OUT))
def test_held_out(root, dyad, text):
    _check(root, dyad, text)


def test_every_root_has_six_sentences_in_several_pairs():
    rows = [getattr(r, "values", r) for r in TRAIN + HELD_OUT]
    for root in [f"{i:02d}" for i in range(1, 21)]:
        mine = [r for r in rows if r[0] == root]
        assert len(mine) >= 6 and len({r[1] for r in mine}) >= 3, root
    assert len(HELD_OUT) >= 0.2 * len(rows)
