"""Irregular English verbs read as their base form before stemming, for the answer features only.

A question asks "How many seats did the Liberals win?" and the report says "having won 29 seats"; Porter
stems "win" and "won", "pay" and "paid", "rise" and "rose" apart, so the answering sentence seemed to lack a
question term. News is written in the past tense and questions ask with "did", so the features compare base
forms. The index's own keyword search is unchanged (it ranks passages, where the question's other words carry
the match).
"""

from __future__ import annotations

import re

# base: its irregular past and participle forms (forms that are mostly other words in news are left out:
# "lay", "ground", "wound", "bore", "saw" as a tool is rare next to "saw" as a verb, so it stays).
_TABLE = """
arise:arose,arisen awake:awoke,awoken be:was,were,been bear:borne beat:beaten become:became begin:began,begun
bend:bent bite:bitten bleed:bled blow:blew,blown break:broke,broken
breed:bred bring:brought build:built burn:burnt buy:bought catch:caught choose:chose,chosen
cling:clung come:came creep:crept deal:dealt dig:dug draw:drew,drawn drink:drank,drunk drive:drove,driven
eat:ate,eaten fall:fell,fallen feed:fed feel:felt fight:fought find:found flee:fled fly:flew,flown
forbid:forbade,forbidden forget:forgot,forgotten forgive:forgave,forgiven freeze:froze,frozen
get:got,gotten give:gave,given go:went,gone grow:grew,grown hang:hung have:had hear:heard hide:hid,hidden
hold:held keep:kept know:knew,known lead:led leave:left lend:lent lose:lost make:made mean:meant meet:met
overcome:overcame overtake:overtook,overtaken pay:paid ride:rode,ridden ring:rang,rung rise:rose,risen
run:ran say:said see:saw,seen seek:sought sell:sold send:sent shake:shook,shaken shine:shone shoot:shot
shrink:shrank,shrunk sing:sang,sung sink:sank,sunk sit:sat sleep:slept slide:slid speak:spoke,spoken
spend:spent spin:spun stand:stood steal:stole,stolen stick:stuck sting:stung strike:struck strive:strove
swear:swore,sworn sweep:swept swim:swam,swum swing:swung take:took,taken teach:taught tear:tore,torn
tell:told think:thought throw:threw,thrown understand:understood undertake:undertook,undertaken
uphold:upheld wake:woke,woken wear:wore,worn weep:wept win:won withdraw:withdrew,withdrawn write:wrote,written
"""
BASE = {form: base for entry in _TABLE.split() for base, forms in [entry.split(":")] for form in forms.split(",")}
_FORM = re.compile(r"\b(?:" + "|".join(sorted(BASE, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def base_forms(text: str) -> str:
    """``text`` with each irregular past form replaced by its base form ("won" → "win"); offsets are not kept
    (the result is only stemmed)."""
    return _FORM.sub(lambda m: BASE.get(m.group(0).lower(), m.group(0)), text)
