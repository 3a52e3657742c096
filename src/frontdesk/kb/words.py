"""The few words of the help center's pages, in the six languages of the UI. (The main
web UI brings Babel catalogues; these pages adopt them when they share its layout.)"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "help_center": "Help center",
        "search": "Search",
        "search_placeholder": "Describe your question",
        "results_for": "Results for",
        "no_results": "Nothing found. Try other words, or contact us.",
        "helpful": "Was this article helpful?",
        "yes": "Yes",
        "no": "No",
        "thanks": "Thank you for your answer.",
        "updated": "Updated",
        "languages": "Other languages",
        "articles": "Articles",
    },
    "hy": {
        "help_center": "Օգնության կենտրոն",
        "search": "Որոնել",
        "search_placeholder": "Նկարագրեք ձեր հարցը",
        "results_for": "Արդյունքներ՝",
        "no_results": "Ոչինչ չգտնվեց։ Փորձեք այլ բառեր կամ կապվեք մեզ հետ։",
        "helpful": "Օգտակա՞ր էր այս հոդվածը։",
        "yes": "Այո",
        "no": "Ոչ",
        "thanks": "Շնորհակալություն պատասխանի համար։",
        "updated": "Թարմացվել է",
        "languages": "Այլ լեզուներ",
        "articles": "Հոդվածներ",
    },
    "ta": {
        "help_center": "உதவி மையம்",
        "search": "தேடு",
        "search_placeholder": "உங்கள் கேள்வியை விவரிக்கவும்",
        "results_for": "முடிவுகள்:",
        "no_results": "எதுவும் கிடைக்கவில்லை. வேறு சொற்களை முயலவும் அல்லது எங்களைத் தொடர்புகொள்ளவும்.",
        "helpful": "இந்தக் கட்டுரை உதவியாக இருந்ததா?",
        "yes": "ஆம்",
        "no": "இல்லை",
        "thanks": "உங்கள் பதிலுக்கு நன்றி.",
        "updated": "புதுப்பிக்கப்பட்டது",
        "languages": "பிற மொழிகள்",
        "articles": "கட்டுரைகள்",
    },
    "lv": {
        "help_center": "Palīdzības centrs",
        "search": "Meklēt",
        "search_placeholder": "Aprakstiet savu jautājumu",
        "results_for": "Rezultāti vaicājumam",
        "no_results": "Nekas netika atrasts. Mēģiniet citus vārdus vai sazinieties ar mums.",
        "helpful": "Vai šis raksts bija noderīgs?",
        "yes": "Jā",
        "no": "Nē",
        "thanks": "Paldies par atbildi.",
        "updated": "Atjaunināts",
        "languages": "Citas valodas",
        "articles": "Raksti",
    },
    "el": {
        "help_center": "Κέντρο βοήθειας",
        "search": "Αναζήτηση",
        "search_placeholder": "Περιγράψτε την ερώτησή σας",
        "results_for": "Αποτελέσματα για",
        "no_results": "Δεν βρέθηκε τίποτα. Δοκιμάστε άλλες λέξεις ή επικοινωνήστε μαζί μας.",
        "helpful": "Σας βοήθησε αυτό το άρθρο;",
        "yes": "Ναι",
        "no": "Όχι",
        "thanks": "Ευχαριστούμε για την απάντησή σας.",
        "updated": "Ενημερώθηκε",
        "languages": "Άλλες γλώσσες",
        "articles": "Άρθρα",
    },
    "sl": {
        "help_center": "Center za pomoč",
        "search": "Iskanje",
        "search_placeholder": "Opišite svoje vprašanje",
        "results_for": "Rezultati za",
        "no_results": "Ničesar nismo našli. Poskusite z drugimi besedami ali nam pišite.",
        "helpful": "Vam je bil ta članek v pomoč?",
        "yes": "Da",
        "no": "Ne",
        "thanks": "Hvala za vaš odgovor.",
        "updated": "Posodobljeno",
        "languages": "Drugi jeziki",
        "articles": "Članki",
    },
}

LANGUAGE_NAMES = {
    "en": "English",
    "hy": "Հայերեն",
    "ta": "தமிழ்",
    "lv": "Latviešu",
    "el": "Ελληνικά",
    "sl": "Slovenščina",
}


def words_for(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])
