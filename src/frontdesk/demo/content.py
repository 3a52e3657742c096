"""Demo content for Frontdesk: the fictional shop "Aurora Outdoor".

Aurora Outdoor sells tents, sleeping bags, packs and boots online and runs shops in
Yerevan, Chennai, Colombo, Riga, Athens and Ljubljana, plus a wholesale business in
the US. The data below is plain Python so that seeding scripts, tests and screenshots
can share one believable world in six languages: English (en), Armenian (hy),
Tamil (ta), Latvian (lv), Greek (el) and Slovenian (sl).

Conventions:

* Every e-mail address uses a reserved example domain (example.com/.org/.net or a
  subdomain of one); phone numbers are E.164 and made up.
* ``TICKETS[*]["days_ago"]`` is when the ticket was opened, relative to "now" at
  seeding time; ``messages[*]["minutes_after"]`` is relative to the ticket's first
  message. A message ``from`` "note" is an internal note, never sent to the customer.
* Customer and agent texts are in the customer's language; internal notes are in
  English so that any colleague can pick a ticket up.

Product codes used across tickets: TX-2041 "Aurora Ridge 2" tent, TX-4410
"Basecamp 4" tent, SB-0915 "Polar Down" sleeping bag, BP-4500 "Kestrel 45" pack,
HB-3302 "Trailrunner" boots, JK-1187 "Fjell" rain jacket, ST-0210 "Ember" stove.
"""

from __future__ import annotations

from typing import Any

ORGANIZATIONS: list[dict[str, Any]] = [
    {
        "key": "northwind-outfitters",
        "name": "Northwind Outfitters LLC",
        "tier": "platinum",
        "notes": (
            "US reseller with 14 stores. Contract prices on packs and tents; the PO number must "
            "appear on every invoice."
        ),
    },
    {
        "key": "aragats-hiking-club",
        "name": "Aragats Hiking Club",
        "tier": "gold",
        "notes": (
            "Hiking club in Yerevan. Bulk orders before the summer season, invoices net 30, 10% "
            "club discount."
        ),
    },
    {
        "key": "nilgiri-trek-co",
        "name": "Nilgiri Trek Co.",
        "tier": "gold",
        "notes": (
            "Trekking operator in Kotagiri, Tamil Nadu. Heavy users of TX-4410 tents; fast-track "
            "their warranty claims."
        ),
    },
    {
        "key": "gauja-scouts",
        "name": "Gaujas skautu vienība",
        "tier": "standard",
        "notes": (
            "Scout troop near Sigulda. Summer camps in July; their orders come with hard delivery "
            "dates."
        ),
    },
    {
        "key": "olympus-guides",
        "name": "Olympus Mountain Guides",
        "tier": "platinum",
        "notes": (
            "Guided treks on Mount Olympus from Litochoro. Urgent orders in season; always call "
            "back the same day."
        ),
    },
    {
        "key": "pd-zelena-dolina",
        "name": "PD Zelena dolina",
        "tier": "gold",
        "notes": (
            "Slovenian alpine society. Invoices go to the society with its VAT ID; runs a "
            "mountaineering school every spring."
        ),
    },
]

TEAMS: list[dict[str, Any]] = [
    {"key": "support", "name": "Customer Support"},
    {"key": "billing", "name": "Billing & Payments"},
    {"key": "warranty", "name": "Warranty & Repairs"},
    {"key": "shop-eu", "name": "Shops EU (Riga, Athens, Ljubljana)"},
    {"key": "shop-east", "name": "Shops East (Yerevan, Chennai, Colombo)"},
]

AGENTS: list[dict[str, Any]] = [
    {
        "email": "admin@example.com",
        "name": "Maren Holt",
        "role": "admin",
        "languages": ["en"],
        "teams": ["support", "billing"],
    },
    {
        "email": "sam.okafor@example.com",
        "name": "Sam Okafor",
        "role": "agent",
        "languages": ["en"],
        "teams": ["support", "billing", "warranty"],
    },
    {
        "email": "anahit.sargsyan@example.com",
        "name": "Անահիտ Սարգսյան",
        "role": "agent",
        "languages": ["hy", "en"],
        "teams": ["support", "warranty", "shop-east"],
    },
    {
        "email": "karthik.raman@example.com",
        "name": "Karthik Raman",
        "role": "agent",
        "languages": ["ta", "en"],
        "teams": ["support", "billing", "warranty", "shop-east"],
    },
    {
        "email": "ilze.berzina@example.com",
        "name": "Ilze Bērziņa",
        "role": "agent",
        "languages": ["lv", "en"],
        "teams": ["support", "billing", "warranty", "shop-eu"],
    },
    {
        "email": "eleni.papadaki@example.com",
        "name": "Ελένη Παπαδάκη",
        "role": "agent",
        "languages": ["el", "en"],
        "teams": ["support", "billing", "warranty", "shop-eu"],
    },
    {
        "email": "ziga.kranjc@example.com",
        "name": "Žiga Kranjc",
        "role": "agent",
        "languages": ["sl", "en"],
        "teams": ["billing", "warranty", "shop-eu"],
    },
    {
        "email": "davis.ozols@example.com",
        "name": "Dāvis Ozols",
        "role": "light_agent",
        "languages": ["lv", "en"],
        "teams": ["shop-eu"],
    },
]

CONTACTS: list[dict[str, Any]] = [
    # English
    {
        "key": "en-megan",
        "name": "Megan Walsh",
        "language": "en",
        "time_zone": "America/New_York",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 340,
        "notes": "Weekend camper. Prefers email; usually replies in the evening.",
        "identities": [
            {"kind": "email", "address": "megan.walsh@example.com"},
            {"kind": "phone", "address": "+12125550147"},
        ],
    },
    {
        "key": "en-daniel",
        "name": "Daniel Price",
        "language": "en",
        "time_zone": "America/Denver",
        "organization": "northwind-outfitters",
        "tier": "platinum",
        "lifetime_value": 24800,
        "notes": (
            "Purchasing lead at Northwind. Wants the PO number on every invoice. Best reached "
            "before 11:00 MT."
        ),
        "identities": [
            {"kind": "email", "address": "daniel.price@northwind.example.com"},
            {"kind": "phone", "address": "+13035550182"},
        ],
    },
    {
        "key": "en-hannah",
        "name": "Hannah Brooks",
        "language": "en",
        "time_zone": "Europe/London",
        "organization": None,
        "tier": "gold",
        "lifetime_value": 2150,
        "notes": "UK customer, active on social. Move anything with order details to DMs.",
        "identities": [
            {"kind": "email", "address": "hannah.brooks@example.org"},
            {"kind": "social", "address": "@hannah_on_trails"},
            {"kind": "phone", "address": "+447700900123"},
        ],
    },
    {
        "key": "en-leo",
        "name": "Leo Martinez",
        "language": "en",
        "time_zone": "America/Los_Angeles",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 120,
        "notes": "First order came through live chat.",
        "identities": [
            {"kind": "chat", "address": "chat-visitor-7f3a91"},
            {"kind": "email", "address": "leo.martinez@example.net"},
        ],
    },
    {
        "key": "en-grace",
        "name": "Grace Kim",
        "language": "en",
        "time_zone": "America/Chicago",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 560,
        "notes": (
            "Needs her sleeping bag for a trip next weekend; check the carrier before replying."
        ),
        "identities": [{"kind": "email", "address": "grace.kim@example.com"}],
    },
    # Armenian
    {
        "key": "hy-aram",
        "name": "Արամ Հովհաննիսյան",
        "language": "hy",
        "time_zone": "Asia/Yerevan",
        "organization": "aragats-hiking-club",
        "tier": "gold",
        "lifetime_value": 6400,
        "notes": "Treasurer of Aragats Hiking Club. Bulk orders before summer; invoices net 30.",
        "identities": [
            {"kind": "email", "address": "aram.hovhannisyan@example.org"},
            {"kind": "phone", "address": "+37410555012"},
        ],
    },
    {
        "key": "hy-lilit",
        "name": "Լիլիթ Մկրտչյան",
        "language": "hy",
        "time_zone": "Asia/Yerevan",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 380,
        "notes": "Writes in Armenian. Answers fastest on Instagram.",
        "identities": [
            {"kind": "email", "address": "lilit.mkrtchyan@example.net"},
            {"kind": "social", "address": "@lilit_lernerum"},
        ],
    },
    {
        "key": "hy-gor",
        "name": "Գոռ Պետրոսյան",
        "language": "hy",
        "time_zone": "Asia/Yerevan",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 150,
        "notes": "Chat only so far. Prefers courier exchanges to shop visits.",
        "identities": [{"kind": "chat", "address": "chat-visitor-2c8e40"}],
    },
    {
        "key": "hy-ani",
        "name": "Անի Գասպարյան",
        "language": "hy",
        "time_zone": "Asia/Yerevan",
        "organization": None,
        "tier": "gold",
        "lifetime_value": 3100,
        "notes": (
            "Prefers phone. In the mountains most weekends, so check her dates before promising a "
            "delivery."
        ),
        "identities": [
            {"kind": "phone", "address": "+37410555017"},
            {"kind": "email", "address": "ani.gasparyan@example.com"},
        ],
    },
    # Tamil
    {
        "key": "ta-kavya",
        "name": "காவ்யா சுப்பிரமணியம்",
        "language": "ta",
        "time_zone": "Asia/Kolkata",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 720,
        "notes": "Prefers Tamil. Was double charged once; refund done (RF-IN-22871).",
        "identities": [
            {"kind": "email", "address": "kavya.s@example.com"},
            {"kind": "phone", "address": "+914455500142"},
        ],
    },
    {
        "key": "ta-arun",
        "name": "அருண் குமார்",
        "language": "ta",
        "time_zone": "Asia/Kolkata",
        "organization": "nilgiri-trek-co",
        "tier": "gold",
        "lifetime_value": 8900,
        "notes": "Operations manager at Nilgiri Trek Co. Always sends photos with warranty claims.",
        "identities": [
            {"kind": "email", "address": "arun.kumar@nilgiri.example.org"},
            {"kind": "phone", "address": "+914266555010"},
        ],
    },
    {
        "key": "ta-tharshini",
        "name": "தர்ஷினி ராஜேந்திரன்",
        "language": "ta",
        "time_zone": "Asia/Colombo",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 260,
        "notes": "Lives in Colombo; every parcel needs customs paperwork.",
        "identities": [
            {"kind": "social", "address": "@tharshini_treks"},
            {"kind": "email", "address": "tharshini.r@example.net"},
            {"kind": "phone", "address": "+94115550133"},
        ],
    },
    {
        "key": "ta-senthil",
        "name": "செந்தில் நாதன்",
        "language": "ta",
        "time_zone": "Asia/Kolkata",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 180,
        "notes": "New lead from live chat, asking about cold-weather sleeping bags.",
        "identities": [{"kind": "chat", "address": "chat-visitor-91d2b7"}],
    },
    # Latvian
    {
        "key": "lv-janis",
        "name": "Jānis Kalniņš",
        "language": "lv",
        "time_zone": "Europe/Riga",
        "organization": "gauja-scouts",
        "tier": "gold",
        "lifetime_value": 4200,
        "notes": (
            "Leads the Gauja scout troop. Camp orders have hard deadlines: flag the date to the "
            "warehouse."
        ),
        "identities": [
            {"kind": "email", "address": "janis.kalnins@example.net"},
            {"kind": "phone", "address": "+37120555014"},
        ],
    },
    {
        "key": "lv-liga",
        "name": "Līga Ozoliņa",
        "language": "lv",
        "time_zone": "Europe/Riga",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 310,
        "notes": "Likes to bring exchanges to the Riga shop herself.",
        "identities": [{"kind": "email", "address": "liga.ozolina@example.com"}],
    },
    {
        "key": "lv-arturs",
        "name": "Artūrs Liepiņš",
        "language": "lv",
        "time_zone": "Europe/Riga",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 950,
        "notes": "Returned a backpack in the spring; the refund got stuck once.",
        "identities": [
            {"kind": "chat", "address": "chat-visitor-4b71ce"},
            {"kind": "email", "address": "arturs.liepins@example.org"},
        ],
    },
    {
        "key": "lv-elina",
        "name": "Elīna Krūmiņa",
        "language": "lv",
        "time_zone": "Europe/Riga",
        "organization": None,
        "tier": "gold",
        "lifetime_value": 2600,
        "notes": "Outdoor blogger with a large following. Answer her quickly on social.",
        "identities": [
            {"kind": "social", "address": "@elina_pa_takam"},
            {"kind": "email", "address": "elina.krumina@example.com"},
        ],
    },
    # Greek
    {
        "key": "el-nikos",
        "name": "Νίκος Παπαδόπουλος",
        "language": "el",
        "time_zone": "Europe/Athens",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 430,
        "notes": "Lives in Thessaloniki. Prefers email.",
        "identities": [
            {"kind": "email", "address": "nikos.papadopoulos@example.com"},
            {"kind": "phone", "address": "+302310555012"},
        ],
    },
    {
        "key": "el-maria",
        "name": "Μαρία Κωνσταντίνου",
        "language": "el",
        "time_zone": "Europe/Athens",
        "organization": "olympus-guides",
        "tier": "platinum",
        "lifetime_value": 18500,
        "notes": (
            "Owner of Olympus Mountain Guides. For anything urgent she wants a phone call, not an "
            "email."
        ),
        "identities": [
            {"kind": "phone", "address": "+306945550178"},
            {"kind": "email", "address": "maria.k@olympus.example.net"},
        ],
    },
    {
        "key": "el-giorgos",
        "name": "Γιώργος Αντωνίου",
        "language": "el",
        "time_zone": "Europe/Athens",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 140,
        "notes": "Lives on Naxos; island deliveries can slip when ferries are cancelled.",
        "identities": [{"kind": "chat", "address": "chat-visitor-e05a13"}],
    },
    {
        "key": "el-sofia",
        "name": "Σοφία Δημητρίου",
        "language": "el",
        "time_zone": "Europe/Athens",
        "organization": None,
        "tier": "gold",
        "lifetime_value": 1900,
        "notes": "Newsletter subscriber; buys mostly during sales.",
        "identities": [
            {"kind": "social", "address": "@sofia_sta_vouna"},
            {"kind": "email", "address": "sofia.dimitriou@example.org"},
        ],
    },
    # Slovenian
    {
        "key": "sl-matej",
        "name": "Matej Novak",
        "language": "sl",
        "time_zone": "Europe/Ljubljana",
        "organization": "pd-zelena-dolina",
        "tier": "gold",
        "lifetime_value": 5200,
        "notes": "Treasurer of PD Zelena dolina. Invoices to the society, VAT ID SI12345678.",
        "identities": [
            {"kind": "email", "address": "matej.novak@zelenadolina.example.org"},
            {"kind": "phone", "address": "+38641555067"},
        ],
    },
    {
        "key": "sl-spela",
        "name": "Špela Horvat",
        "language": "sl",
        "time_zone": "Europe/Ljubljana",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 290,
        "notes": "Came in with a gift card; one small order so far.",
        "identities": [{"kind": "email", "address": "spela.horvat@example.com"}],
    },
    {
        "key": "sl-jure",
        "name": "Jure Kovačič",
        "language": "sl",
        "time_zone": "Europe/Ljubljana",
        "organization": None,
        "tier": "standard",
        "lifetime_value": 650,
        "notes": "Writes informally (ti). Regular at the Ljubljana shop.",
        "identities": [
            {"kind": "chat", "address": "chat-visitor-a6f2d8"},
            {"kind": "email", "address": "jure.kovacic@example.net"},
        ],
    },
    {
        "key": "sl-nina",
        "name": "Nina Zupančič",
        "language": "sl",
        "time_zone": "Europe/Ljubljana",
        "organization": None,
        "tier": "gold",
        "lifetime_value": 2300,
        "notes": "Mountain photographer; posts about her gear on social media.",
        "identities": [
            {"kind": "social", "address": "@nina_v_gorah"},
            {"kind": "email", "address": "nina.zupancic@example.org"},
        ],
    },
]

TICKETS: list[dict[str, Any]] = [
    # English
    {
        "contact": "en-megan",
        "channel": "email",
        "subject": "Tent zip broke on the second night",
        "priority": "high",
        "status": "open",
        "team": "warranty",
        "assignee": "sam.okafor@example.com",
        "tags": ["warranty", "tent", "zip"],
        "days_ago": 3,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Hi, I bought the Aurora Ridge 2 tent (TX-2041) in May, and on our second "
                    "night out the main door zip split open from the bottom. The slider still "
                    "moves, but the teeth don't close behind it any more. We're heading out again "
                    "on the 14th. Is there anything you can do before then? Photos attached."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 45,
                "text": (
                    "Hi Megan, thanks for the photos, they make it very clear. I'm afraid a repair "
                    "can't be done and shipped back to you by the 14th. The good news is that this "
                    "is a worn slider rather than damaged teeth, which the two-year warranty "
                    "covers, so I'd rather send you a replacement tent now and you can return the "
                    "faulty one whenever you're back. A prepaid return label is in the next email. "
                    "Is the address on your order still the right one?"
                ),
            },
            {
                "from": "customer",
                "minutes_after": 130,
                "text": "Yes, same address. That's a huge relief, thank you!",
            },
            {
                "from": "note",
                "minutes_after": 140,
                "text": (
                    "Replacement TX-2041 reserved at the NJ warehouse, ships tomorrow morning. "
                    "Return label sent. Close once the old tent is scanned back in."
                ),
            },
        ],
    },
    {
        "contact": "en-daniel",
        "channel": "email",
        "subject": "Invoice for PO 7731 shows the wrong unit price",
        "priority": "normal",
        "status": "pending",
        "team": "billing",
        "assignee": "sam.okafor@example.com",
        "tags": ["billing", "invoice", "b2b"],
        "days_ago": 6,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Hello, invoice INV-20931 for our PO 7731 bills the Kestrel 45 packs at $139 a "
                    "unit. Our agreed wholesale price is $118. Can you reissue it? Our AP team "
                    "won't pay it as it stands."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 95,
                "text": (
                    "Hi Daniel, you're right: the invoice went out with the retail price instead "
                    "of your contract price. That's our mistake, and I'm sorry it created extra "
                    "work on your side. I've voided INV-20931 and issued INV-20957 at $118 per "
                    "unit for the 40 packs, which is $840 less in total. Before I send it over: "
                    "should the PO number go in the reference field as on earlier invoices, or "
                    "does your new AP system also need it on each line?"
                ),
            },
        ],
    },
    {
        "contact": "en-hannah",
        "channel": "social",
        "subject": "Charged twice for order AO-58213",
        "priority": "high",
        "status": "solved",
        "team": "billing",
        "assignee": "sam.okafor@example.com",
        "tags": ["billing", "double-charge", "refund"],
        "days_ago": 12,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "@AuroraOutdoor I've been charged twice for order AO-58213 (£184.50 each "
                    "time). Can someone look at this please?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 20,
                "text": (
                    "Hi Hannah, sorry about that. Let's sort it out privately so your order "
                    "details stay off the timeline. I've just sent you a DM."
                ),
            },
            {
                "from": "customer",
                "minutes_after": 35,
                "text": "Got it, replied there with the last 4 digits of my card.",
            },
            {
                "from": "agent",
                "minutes_after": 80,
                "text": (
                    "Thanks, Hannah. Our checkout timed out and then retried the payment, so you "
                    "were billed one time too many. The duplicate £184.50 was refunded today; "
                    "depending on your bank it shows up within 3 to 5 working days. Your order is "
                    "only being shipped once, of course 🙂"
                ),
            },
            {
                "from": "customer",
                "minutes_after": 95,
                "text": "Perfect, thanks for the quick help 🙏",
            },
        ],
    },
    {
        "contact": "en-leo",
        "channel": "chat",
        "subject": "Which size for the Trailrunner boots?",
        "priority": "low",
        "status": "solved",
        "team": "support",
        "assignee": "anahit.sargsyan@example.com",
        "tags": ["sizing", "boots", "presales"],
        "days_ago": 1,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "hey, I'm usually a US 10 but between sizes in most hiking boots. Trailrunner "
                    "HB-3302 in 10 or 10.5?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 5,
                "text": (
                    "Hi Leo! The Trailrunner runs about half a size small, mostly because the toe "
                    "box is narrow. With thicker hiking socks I'd go for the 10.5. If they don't "
                    "fit, exchanges are free within 60 days as long as you've only worn them "
                    "indoors."
                ),
            },
            {"from": "customer", "minutes_after": 9, "text": "10.5 it is, thanks!"},
        ],
    },
    {
        "contact": "en-grace",
        "channel": "web",
        "subject": "Where is my order?",
        "priority": "normal",
        "status": "new",
        "team": None,
        "assignee": None,
        "tags": ["delivery"],
        "days_ago": 0,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Hi, I ordered a Polar Down sleeping bag (order AO-60412) nine days ago and "
                    "the tracking page still says 'label created'. I need it for a trip next "
                    "weekend. Has it actually been shipped?"
                ),
            },
        ],
    },
    {
        "contact": "en-daniel",
        "channel": "phone",
        "subject": "Pallet arrived damaged, six tents crushed",
        "priority": "urgent",
        "status": "on_hold",
        "team": "support",
        "assignee": "sam.okafor@example.com",
        "tags": ["delivery", "damage", "b2b", "vip", "callback"],
        "days_ago": 9,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Voicemail: Hi, Daniel Price from Northwind. The pallet for order AO-B2B-1142 "
                    "arrived this morning with the wrap torn open and six Basecamp 4 boxes "
                    "crushed. The driver wouldn't note the damage on the slip. We have photos. "
                    "Please call me back."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 30,
                "text": (
                    "Hi Daniel, thanks for the photos, and I'm sorry this is what turned up at "
                    "your dock. I've opened a claim with the carrier. I'd rather not guess at a "
                    "replacement date, so I'm checking stock in our Denver warehouse first and "
                    "will call you back tomorrow before 11am your time with a firm date."
                ),
            },
            {
                "from": "note",
                "minutes_after": 45,
                "text": (
                    "On hold until RidgeLine Freight confirms claim RF-88213. 6 x TX-4410 reserved "
                    "in Denver. Callback promised to Daniel tomorrow before 11:00 MT. If I'm out, "
                    "whoever picks this up please make that call."
                ),
            },
        ],
    },
    {
        "contact": "en-daniel",
        "channel": "api",
        "subject": "RMA request: 3 x BP-4500 (Northwind store #12)",
        "priority": "low",
        "status": "closed",
        "team": "support",
        "assignee": "sam.okafor@example.com",
        "tags": ["return", "b2b", "api"],
        "days_ago": 27,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Return request submitted via the Northwind partner portal. Items: 3 x BP-4500 "
                    "Kestrel 45. Reason: customer returns, unworn. Store: Northwind #12, Boulder "
                    "CO. Reference: NW-RMA-55012."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 240,
                "text": (
                    "Hi Daniel, RMA approved for all three packs. The prepaid freight label for "
                    "store #12 is attached to this ticket. Once the packs are scanned in at "
                    "Denver, the credit will appear on your next statement."
                ),
            },
        ],
    },
    # Armenian
    {
        "contact": "hy-lilit",
        "channel": "email",
        "subject": "TX-2041 վրանի կայծակաճարմանդը փչացել է",
        "priority": "high",
        "status": "pending",
        "team": "warranty",
        "assignee": "anahit.sargsyan@example.com",
        "tags": ["warranty", "tent", "zip"],
        "days_ago": 4,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Բարև Ձեզ։ Ապրիլին Ձեր կայքից գնել եմ TX-2041 վրանը։ Անցյալ շաբաթ Դիլիջանում, "
                    "երկրորդ գիշերը, մուտքի կայծակաճարմանդը ներքևից բացվեց և այլևս չի փակվում։ "
                    "Վրանը դեռ երաշխիքային է, չէ՞։ Ի՞նչ անեմ։"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 70,
                "text": (
                    "Բարև Ձեզ, Լիլիթ։ Ցավում եմ, որ արշավն այսպես ստացվեց։ Այո, վրանն ունի երկու "
                    "տարվա երաշխիք, և կայծակաճարմանդի նման անսարքությունը երաշխիքային դեպք է։ "
                    "Որպեսզի արագ որոշենք՝ նորոգել, թե փոխարինել, խնդրում եմ ուղարկեք "
                    "կայծակաճարմանդի երկու մոտիկից արված լուսանկար և պատվերի համարը (սկսվում է "
                    "AO-ով)։ Կկարողանա՞ք դա անել այսօր կամ վաղը։"
                ),
            },
        ],
    },
    {
        "contact": "hy-aram",
        "channel": "email",
        "subject": "Խմբային պատվեր ամառային սեզոնի համար",
        "priority": "normal",
        "status": "solved",
        "team": "shop-east",
        "assignee": "anahit.sargsyan@example.com",
        "tags": ["b2b", "bulk-order", "invoice"],
        "days_ago": 21,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Բարև Ձեզ։ Ակումբի անունից ուզում ենք պատվիրել 12 Kestrel 45 ուսապարկ և 8 "
                    "Polar Down քնապարկ։ Կարո՞ղ եք հաշիվ ուղարկել 30 օր վճարման ժամկետով, ինչպես "
                    "անցյալ տարի։"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 120,
                "text": (
                    "Բարև Ձեզ, Արամ։ Շնորհակալ ենք, որ կրկին մեզ եք դիմել։ Նախ՝ վատ լուրը։ Երևանի "
                    "պահեստում այս պահին կա ընդամենը 5 Polar Down քնապարկ, մնացած 3-ը կստանանք "
                    "հունիսի 10-ին։ Լավ լուրն այն է, որ ակումբի 10% զեղչը պահպանվում է, իսկ 30 օր "
                    "ժամկետով հաշիվն արդեն ուղարկել եմ Ձեր էլ. հասցեին։ Եթե հարմար է, առաջին "
                    "խմբաքանակը կարող ենք առաքել վաղը։"
                ),
            },
            {
                "from": "customer",
                "minutes_after": 200,
                "text": (
                    "Շատ լավ, առաջին խմբաքանակն ուղարկեք վաղը, մնացածը՝ երբ հասնի։ "
                    "Շնորհակալություն։"
                ),
            },
            {
                "from": "note",
                "minutes_after": 215,
                "text": (
                    "First shipment (12 packs + 5 bags) leaves Yerevan tomorrow. Remaining 3 x "
                    "SB-0915 ship when stock arrives, around 10 June. Invoice INV-YR-0412, net 30, "
                    "club discount applied."
                ),
            },
        ],
    },
    {
        "contact": "hy-gor",
        "channel": "chat",
        "subject": "Կոշիկների չափի փոխանակում",
        "priority": "low",
        "status": "solved",
        "team": "shop-east",
        "assignee": "anahit.sargsyan@example.com",
        "tags": ["exchange", "sizing", "boots"],
        "days_ago": 2,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Բարև, երեկ ստացա Trailrunner HB-3302 կոշիկները՝ 43 չափի, բայց նեղ են։ Կարո՞ղ "
                    "եմ փոխել 44-ով 🙏"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 6,
                "text": (
                    "Բարև, Գոռ։ Իհարկե։ Եթե կոշիկները միայն տանն եք փորձել, փոխանակումն անվճար է։ "
                    "Կարող եք դրանք բերել Երևանի մեր խանութ, կամ վաղը սուրհանդակը կգա, կվերցնի "
                    "դրանք և միանգամից կբերի 44 չափը։ Ո՞ր տարբերակն է Ձեզ հարմար։"
                ),
            },
            {
                "from": "customer",
                "minutes_after": 10,
                "text": "Սուրհանդակով, խնդրում եմ։ Տանը կլինեմ երեկոյան 6-ից հետո։",
            },
            {
                "from": "agent",
                "minutes_after": 14,
                "text": (
                    "Գրանցեցի՝ վաղը 18:00–21:00։ Սուրհանդակը կզանգի կես ժամ առաջ։ Լավ արշավներ Ձեզ։"
                ),
            },
        ],
    },
    {
        "contact": "hy-ani",
        "channel": "phone",
        "subject": "Պատվերն ուշանում է, խնդրում եմ հետ զանգել",
        "priority": "high",
        "status": "open",
        "team": "shop-east",
        "assignee": "anahit.sargsyan@example.com",
        "tags": ["delivery", "callback"],
        "days_ago": 1,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Բարև Ձեզ, Անի Գասպարյանն եմ։ AO-59870 պատվերը պետք է հասներ երեքշաբթի, բայց "
                    "դեռ չկա, իսկ կիրակի մեկնում ենք Արագած։ Խնդրում եմ, հետ զանգեք ինձ։"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 40,
                "text": (
                    "Բարև Ձեզ, Անի։ Ստուգեցի ծանրոցը։ Ցավոք, առաքման ծառայությունը սխալմամբ այն "
                    "ուղարկել է Գյումրու բաժանմունք, դրա համար էլ երեքշաբթի չհասավ։ Այսօր ծանրոցը "
                    "վերադարձնում են Երևան։ Վաղը մինչև ժամը 12-ը կզանգեմ Ձեզ և կասեմ առաքման "
                    "ճշգրիտ ժամը, որպեսզի այն անպայման ստանաք մինչև կիրակի։"
                ),
            },
            {
                "from": "note",
                "minutes_after": 50,
                "text": (
                    "Courier misrouted the parcel to the Gyumri depot. Callback promised to Ani "
                    "tomorrow before 12:00 Yerevan time with a delivery slot. If the parcel isn't "
                    "back in Yerevan by then, send a fresh set from shop stock."
                ),
            },
        ],
    },
    # Tamil
    {
        "contact": "ta-kavya",
        "channel": "email",
        "subject": "ஒரே ஆர்டருக்கு இரண்டு முறை கட்டணம்",
        "priority": "high",
        "status": "solved",
        "team": "billing",
        "assignee": "karthik.raman@example.com",
        "tags": ["billing", "double-charge", "refund"],
        "days_ago": 8,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "வணக்கம். AO-57702 என்ற ஆர்டருக்காக என் கார்டிலிருந்து ₹6,499 இரண்டு முறை "
                    "கழிக்கப்பட்டுள்ளது. நான் ஒரே ஒரு ஆர்டர் மட்டுமே செய்தேன். தயவுசெய்து "
                    "சரிபார்த்து, கூடுதல் தொகையைத் திருப்பி அனுப்புங்கள்."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 55,
                "text": (
                    "வணக்கம் காவ்யா, ஏற்பட்ட சிரமத்திற்கு மன்னிக்கவும். நீங்கள் சொன்னது சரிதான்: "
                    "பணம் செலுத்தும் பக்கம் தாமதமானதால், எங்கள் அமைப்பு தானாகவே மீண்டும் முயன்று "
                    "இரண்டாவது முறையும் கட்டணம் வசூலித்துவிட்டது. கூடுதலாகக் கழிக்கப்பட்ட ₹6,499 "
                    "இன்று திருப்பி அனுப்பப்பட்டது. உங்கள் வங்கியைப் பொறுத்து 5–7 வேலை நாட்களில் "
                    "அது உங்கள் கணக்கில் தெரியும்."
                ),
            },
            {
                "from": "customer",
                "minutes_after": 300,
                "text": "நன்றி! பணம் வந்ததும் உங்களுக்குத் தெரிவிக்கிறேன்.",
            },
            {
                "from": "note",
                "minutes_after": 310,
                "text": (
                    "Refund issued, ref RF-IN-22871. Same gateway-retry bug as the UK double "
                    "charge (AO-58213); linked both to PAY-311."
                ),
            },
        ],
    },
    {
        "contact": "ta-arun",
        "channel": "email",
        "subject": "TX-4410 கூடாரங்களுக்கான உத்தரவாதக் கோரிக்கை",
        "priority": "normal",
        "status": "pending",
        "team": "warranty",
        "assignee": "karthik.raman@example.com",
        "tags": ["warranty", "tent", "b2b"],
        "days_ago": 14,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "வணக்கம். கடந்த மாதம் வாங்கிய பத்து TX-4410 கூடாரங்களில் மூன்றின் தரைப்பகுதி "
                    "கிழிந்துவிட்டது. ஊட்டி அருகே இரண்டு வார முகாமில் மட்டுமே அவற்றைப் "
                    "பயன்படுத்தினோம். புகைப்படங்களை இணைத்துள்ளேன். இது உத்தரவாதத்தின் கீழ் வருமா? "
                    "எங்கள் அடுத்த குழு 20ஆம் தேதி புறப்படுகிறது."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 240,
                "text": (
                    "வணக்கம் அருண், புகைப்படங்களுக்கு நன்றி. முதலில் ஒரு சிக்கல்: 20ஆம் தேதிக்குள் "
                    "இவற்றைப் பழுதுபார்த்துத் திருப்பி அனுப்ப முடியாது. நல்ல செய்தி என்னவென்றால், "
                    "கிழிசல் தையல் ஓரத்திலிருந்து தொடங்குவதால் இது உற்பத்திக் குறைபாடு; "
                    "உத்தரவாதத்தின் கீழ் சென்னைக் கிடங்கிலிருந்து மூன்று புதிய கூடாரங்களை நாளையே "
                    "அனுப்ப முடியும். பழையவற்றை உங்களுக்கு வசதியான நேரத்தில் திருப்பி அனுப்பினால் "
                    "போதும். கோத்தகிரி அலுவலக முகவரிக்கே அனுப்பட்டுமா, அல்லது நேரடியாக முகாம் "
                    "இடத்துக்கா?"
                ),
            },
        ],
    },
    {
        "contact": "ta-tharshini",
        "channel": "social",
        "subject": "ஆர்டர் இன்னும் வந்து சேரவில்லை",
        "priority": "normal",
        "status": "solved",
        "team": "shop-east",
        "assignee": "karthik.raman@example.com",
        "tags": ["delivery", "customs", "sri-lanka"],
        "days_ago": 17,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "@AuroraOutdoor இரண்டு வாரங்களுக்கு முன் கொழும்புக்கு ஆர்டர் செய்த கூடாரம் "
                    "இன்னும் வரவில்லை ⛺ யாராவது பதில் சொல்வீர்களா?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 25,
                "text": (
                    "வணக்கம் தர்ஷினி, காத்திருக்க வைத்ததற்கு மன்னிக்கவும். ஆர்டர் விவரங்களை இங்கே "
                    "பொதுவில் பகிர வேண்டாம்; உங்களுக்குத் தனிச் செய்தி அனுப்பியுள்ளேன்."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 95,
                "text": (
                    "சரிபார்த்தேன். உங்கள் பொதி மூன்று நாட்களாகக் கொழும்பு சுங்கத்தில் நிற்கிறது. "
                    "காரணம் எங்கள் தவறுதான்: சுங்க ஆவணத்தில் பொருளின் மதிப்பு தவறாகக் "
                    "குறிப்பிடப்பட்டிருந்தது. திருத்திய ஆவணத்தை இன்று சமர்ப்பித்துவிட்டோம், நாளை "
                    "மறுநாள் பொதி உங்களிடம் வந்து சேரும். தாமதத்துக்கு ஈடாக, அடுத்த ஆர்டருக்கான "
                    "15% தள்ளுபடிக் குறியீட்டையும் அனுப்பியுள்ளேன்."
                ),
            },
            {
                "from": "customer",
                "minutes_after": 140,
                "text": "சரி, விளக்கமாகச் சொன்னதற்கு நன்றி 🙏 காத்திருக்கிறேன்.",
            },
        ],
    },
    {
        "contact": "ta-senthil",
        "channel": "chat",
        "subject": "கொடைக்கானல் பயணத்துக்கு எந்தத் தூக்கப்பை?",
        "priority": "low",
        "status": "new",
        "team": None,
        "assignee": None,
        "tags": ["presales", "sleeping-bag"],
        "days_ago": 0,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "வணக்கம். டிசம்பரில் கொடைக்கானலுக்கு மூன்று நாள் மலையேற்றம் போகிறோம். இரவில் "
                    "வெப்பநிலை 5 டிகிரி வரை குறையும் என்கிறார்கள். SB-0915 தூக்கப்பை போதுமா, "
                    "அல்லது இன்னும் கதகதப்பான ஒன்று தேவையா?"
                ),
            },
        ],
    },
    # Latvian
    {
        "contact": "lv-liga",
        "channel": "web",
        "subject": "Nepareizs izmērs, vēlos apmainīt jaku",
        "priority": "normal",
        "status": "pending",
        "team": "shop-eu",
        "assignee": "ilze.berzina@example.com",
        "tags": ["exchange", "sizing", "jacket"],
        "days_ago": 5,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Labdien! Pasūtīju Fjell lietus jaku (JK-1187) M izmērā, bet tā ir par lielu — "
                    "piedurknes nosedz plaukstas. Vai varu to apmainīt pret S izmēru? Birkas vēl "
                    "ir pie jakas."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 50,
                "text": (
                    "Labdien, Līga! Apmaiņa, protams, ir bezmaksas. Diemžēl zilajā krāsā S izmēra "
                    "pašlaik nav, un nākamā piegāde gaidāma ap mēneša 20. datumu. Toties S izmērs "
                    "ir pieejams tumši zaļā krāsā, un to varam nosūtīt jau rīt. Kuru variantu "
                    "izvēlaties — gaidīt zilo vai ņemt zaļo?"
                ),
            },
        ],
    },
    {
        "contact": "lv-janis",
        "channel": "email",
        "subject": "Sūdzība: nometnes inventārs netika piegādāts laikā",
        "priority": "high",
        "status": "solved",
        "team": "support",
        "assignee": "ilze.berzina@example.com",
        "tags": ["complaint", "delivery", "b2b"],
        "days_ago": 25,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Labdien! Mūsu skautu vienība pasūtīja 6 teltis un 20 guļammaisus vasaras "
                    "nometnei ar piegādi līdz piektdienai. Kurjers atbrauca tikai sestdienas "
                    "vakarā, kad bērni jau bija nometnē, un pirmo nakti teltis nācās aizņemties no "
                    "kaimiņu vienības. Pasūtījām trīs nedēļas iepriekš, tāpēc esmu ļoti vīlies."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 180,
                "text": (
                    "Labdien, Jāni! Jums ir pilnīga taisnība, un es atvainojos. Tā bija mūsu "
                    "kļūda, nevis kurjera: piegādes termiņš bija ierakstīts tikai pasūtījuma "
                    "komentārā, ko noliktavas sistēma neņem vērā, tāpēc pasūtījums tika ieplānots "
                    "kā parasta piegāde. Ko mainām: no pirmdienas visi organizāciju pasūtījumi, "
                    "kuru komentārā ir minēts datums, noliktavā tiek atzīmēti un pārbaudīti "
                    "manuāli. Kā kompensāciju esam atmaksājuši piegādes izmaksas (18 EUR) un Jūsu "
                    "vienības kontam pievienojuši 10% atlaidi nākamajam pasūtījumam."
                ),
            },
            {
                "from": "customer",
                "minutes_after": 240,
                "text": (
                    "Paldies par godīgu paskaidrojumu. Man svarīgāk par atlaidi ir tas, ka esat "
                    "mainījuši procesu."
                ),
            },
            {
                "from": "note",
                "minutes_after": 250,
                "text": (
                    "Root cause: the deadline was only in the order comment. From Monday the "
                    "warehouse flags B2B orders with a date in the comment for a manual check. "
                    "Shipping refunded, 10% discount added to the Gauja scouts account."
                ),
            },
        ],
    },
    {
        "contact": "lv-arturs",
        "channel": "chat",
        "subject": "Kad saņemšu naudu par atgriezto mugursomu?",
        "priority": "normal",
        "status": "solved",
        "team": "billing",
        "assignee": "ilze.berzina@example.com",
        "tags": ["refund", "return"],
        "days_ago": 10,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Sveiki! Pirms divām nedēļām atgriezu Kestrel 45 mugursomu, bet nauda joprojām "
                    "nav atnākusi. Vai varat pārbaudīt?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 7,
                "text": (
                    "Sveiki, Artūr! Paskatījos: noliktava somu saņēma 3. datumā, bet atmaksas "
                    "pieteikums pēc pārbaudes palika neapstrādāts. Atvainojos, ka neviens Jums par "
                    "to nepaziņoja. Atmaksu 89 EUR apmērā uz karti, ar kuru maksājāt, nosūtīju "
                    "tikko, un kontā tai vajadzētu parādīties 2–3 darba dienu laikā."
                ),
            },
            {"from": "customer", "minutes_after": 12, "text": "Skaidrs, paldies!"},
        ],
    },
    {
        "contact": "lv-elina",
        "channel": "social",
        "subject": "Guļammaisa rāvējslēdzējs ieķeras oderē",
        "priority": "low",
        "status": "pending",
        "team": "warranty",
        "assignee": "ilze.berzina@example.com",
        "tags": ["warranty", "sleeping-bag", "zip", "vip"],
        "days_ago": 2,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Sveiki! Jaunajam Polar Down guļammaisam rāvējslēdzējs visu laiku ieķeras "
                    "oderē 😕 Vai tā tam jābūt, vai man gadījies brāķis?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 35,
                "text": (
                    "Sveiki, Elīna! Paldies, ka uzrakstījāt. Šim modelim gar rāvējslēdzēju ir "
                    "šaura auduma josla, kas aiztur aukstumu, un jaunam maisam tā mēdz ieķerties. "
                    "Ja tas neuzlabojas, guļammaisu apmainīsim garantijas ietvaros. Vai varat "
                    "atsūtīt īsu video, kurā redzams, kā tas notiek?"
                ),
            },
            {
                "from": "note",
                "minutes_after": 60,
                "text": (
                    "Dāvis (Riga warehouse): 3 similar reports on batch SB-0915/24B this month. "
                    "I've put one replacement bag aside for her, just in case."
                ),
            },
        ],
    },
    # Greek
    {
        "contact": "el-maria",
        "channel": "phone",
        "subject": "Επείγον: 15 υπνόσακοι για ομάδα στον Όλυμπο",
        "priority": "urgent",
        "status": "open",
        "team": "shop-eu",
        "assignee": "eleni.papadaki@example.com",
        "tags": ["b2b", "vip", "callback", "stock"],
        "days_ago": 0,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Καλημέρα σας. Μια ομάδα 15 ατόμων φτάνει την Παρασκευή στο Λιτόχωρο και ο "
                    "προμηθευτής μας ακύρωσε την τελευταία στιγμή τους υπνόσακους. Μπορείτε να μας "
                    "στείλετε 15 Polar Down μέχρι την Πέμπτη; Πάρτε με τηλέφωνο μόλις ξέρετε κάτι."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 25,
                "text": (
                    "Καλημέρα, κυρία Κωνσταντίνου. Στην αποθήκη της Αθήνας έχουμε μόνο 9 τεμάχια, "
                    "οπότε δεν μπορώ να σας υποσχεθώ και τα 15 από εδώ. Ελέγχω τώρα αν η αποθήκη "
                    "της Λιουμπλιάνας μπορεί να στείλει τα υπόλοιπα 6 με ταχεία αποστολή. Θα σας "
                    "τηλεφωνήσω έως τις 14:00 σήμερα με σίγουρη απάντηση."
                ),
            },
            {
                "from": "note",
                "minutes_after": 40,
                "text": (
                    "Asked Žiga to check Ljubljana stock for 6 x SB-0915 with express delivery to "
                    "Litochoro. Callback to Maria promised by 14:00 Athens time. If I'm stuck in a "
                    "meeting, someone please call her."
                ),
            },
        ],
    },
    {
        "contact": "el-nikos",
        "channel": "email",
        "subject": "Ο αναφλεκτήρας του ST-0210 δεν λειτουργεί",
        "priority": "normal",
        "status": "solved",
        "team": "warranty",
        "assignee": "eleni.papadaki@example.com",
        "tags": ["warranty", "stove", "spare-part"],
        "days_ago": 19,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Γεια σας. Αγόρασα το γκαζάκι ST-0210 πριν από τέσσερις μήνες και ο "
                    "αναφλεκτήρας δεν βγάζει πια σπίθα. Με σπίρτα ανάβει κανονικά. Καλύπτεται από "
                    "την εγγύηση;"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 90,
                "text": (
                    "Γεια σας, κύριε Παπαδόπουλε. Ναι, καλύπτεται. Ο αναφλεκτήρας αλλάζει εύκολα, "
                    "οπότε δεν χρειάζεται να μας στείλετε όλο το γκαζάκι: σας ταχυδρομούμε δωρεάν "
                    "καινούργιο μαζί με οδηγίες τοποθέτησης και θα τον έχετε σε 2–3 εργάσιμες."
                ),
            },
            {"from": "customer", "minutes_after": 150, "text": "Τέλεια, ευχαριστώ πολύ!"},
        ],
    },
    {
        "contact": "el-giorgos",
        "channel": "chat",
        "subject": "Πότε θα έρθει η παραγγελία μου;",
        "priority": "normal",
        "status": "pending",
        "team": "shop-eu",
        "assignee": "eleni.papadaki@example.com",
        "tags": ["delivery", "islands"],
        "days_ago": 3,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Γεια, η παραγγελία AO-60155 έπρεπε να έρθει χθες στη Νάξο, αλλά το tracking "
                    "δεν έχει αλλάξει από την Τρίτη. Τι γίνεται;"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 8,
                "text": (
                    "Γεια σας, Γιώργο. Δυστυχώς το δέμα σας κόλλησε στον Πειραιά, γιατί λόγω "
                    "απαγορευτικού απόπλου τα πλοία δεν έφευγαν για δύο μέρες. Τα καλά νέα: "
                    "φορτώνεται στο σημερινό απογευματινό πλοίο, οπότε αύριο θα είναι στη Νάξο. "
                    "Προτιμάτε να το παραλάβετε από το κατάστημα της εταιρείας courier στη Χώρα ή "
                    "να σας το φέρουν στο σπίτι;"
                ),
            },
        ],
    },
    {
        "contact": "el-sofia",
        "channel": "social",
        "subject": "Ο κωδικός έκπτωσης δεν περνάει",
        "priority": "low",
        "status": "solved",
        "team": "billing",
        "assignee": "eleni.papadaki@example.com",
        "tags": ["discount", "checkout", "newsletter"],
        "days_ago": 11,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Καλησπέρα! Ο κωδικός έκπτωσης από το newsletter δεν περνάει στο ταμείο, "
                    "γράφει «Μη έγκυρος κωδικός». Τον δοκίμασα και από το κινητό και από τον "
                    "υπολογιστή."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 40,
                "text": (
                    "Καλησπέρα, Σοφία! Δυστυχώς ο κωδικός έληξε στις 20 του μήνα, ενώ στο "
                    "newsletter γράψαμε κατά λάθος 30, οπότε το φταίξιμο είναι δικό μας. Σας "
                    "στείλαμε με email νέο κωδικό 15%, που ισχύει μέχρι το τέλος του μήνα."
                ),
            },
            {"from": "customer", "minutes_after": 55, "text": "Δούλεψε! Ευχαριστώ πολύ ⛺"},
            {
                "from": "note",
                "minutes_after": 60,
                "text": (
                    "The newsletter printed the wrong expiry date (30th instead of 20th). "
                    "Marketing knows. Expect more of these; use the 'Expired newsletter code' "
                    "macro."
                ),
            },
        ],
    },
    # Slovenian
    {
        "contact": "sl-matej",
        "channel": "email",
        "subject": "Račun naj bo izdan na društvo",
        "priority": "normal",
        "status": "solved",
        "team": "billing",
        "assignee": "ziga.kranjc@example.com",
        "tags": ["billing", "invoice", "b2b"],
        "days_ago": 16,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Pozdravljeni! Na računu za naročilo AO-58890 je kot kupec naveden moj osebni "
                    "naslov, potrebujemo pa račun, izdan na društvo, z davčno številko SI12345678. "
                    "Ali ga lahko popravite?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 120,
                "text": (
                    "Pozdravljeni, gospod Novak! Že izdanega računa žal ne moremo kar spremeniti, "
                    "lahko pa ga storniramo in izdamo novega na društvo. Nov račun z davčno "
                    "številko SI12345678 vam pošljem danes do 15. ure, dobropis za prvotni račun "
                    "pa prejmete v vednost."
                ),
            },
            {"from": "customer", "minutes_after": 180, "text": "Odlično, hvala za hitro rešitev."},
            {
                "from": "note",
                "minutes_after": 190,
                "text": (
                    "Credit note and new invoice sent. Updated the billing details on the PD "
                    "Zelena dolina account so future invoices go to the society automatically."
                ),
            },
        ],
    },
    {
        "contact": "sl-jure",
        "channel": "chat",
        "subject": "Zlomljena zaponka na nahrbtniku",
        "priority": "low",
        "status": "solved",
        "team": "warranty",
        "assignee": "ziga.kranjc@example.com",
        "tags": ["repair", "backpack", "warranty"],
        "days_ago": 7,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Živjo, na nahrbtniku Kestrel 45 se mi je zlomila zaponka na pasu. Nahrbtnik "
                    "imam že dobri dve leti. Se da to popraviti?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 10,
                "text": (
                    "Živjo, Jure! Garancija je žal že potekla, zato zamenjava nahrbtnika ne pride "
                    "v poštev. Dobra novica pa je, da je zaponka standardni nadomestni del: v naši "
                    "ljubljanski trgovini jo zamenjamo v petih minutah in je ne zaračunamo. Se "
                    "lahko oglasiš kadar koli med tednom, med 10. in 18. uro?"
                ),
            },
            {"from": "customer", "minutes_after": 16, "text": "Super, pridem v četrtek. Hvala!"},
            {
                "from": "agent",
                "minutes_after": 20,
                "text": "Odlično, sodelavcem v trgovini sem že sporočil, da prideš. Lep dan!",
            },
        ],
    },
    {
        "contact": "sl-nina",
        "channel": "social",
        "subject": "Šotor pušča na šivu nad vhodom",
        "priority": "high",
        "status": "pending",
        "team": "warranty",
        "assignee": "ziga.kranjc@example.com",
        "tags": ["warranty", "tent", "leak"],
        "days_ago": 4,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "@AuroraOutdoor včeraj nas je na Komni ujela nevihta in v šotor TX-2041 je "
                    "skozi šiv nad vhodom pritekla voda 😩 Šotor je star tri mesece. Kaj zdaj?"
                ),
            },
            {
                "from": "agent",
                "minutes_after": 30,
                "text": (
                    "Pozdravljeni, Nina! Žal mi je, da vas je nevihta tako presenetila. Da "
                    "podrobnosti naročila ne bodo vidne javno, sem vam pisal v zasebno sporočilo."
                ),
            },
            {
                "from": "agent",
                "minutes_after": 45,
                "text": (
                    "Po opisu sodeč je na šivu odstopil tesnilni trak. To je tovarniška napaka, ki "
                    "jo krije garancija. Šotor lahko popravimo v našem servisu v približno desetih "
                    "dneh ali pa vam takoj pošljemo novega. Kaj vam bolj ustreza?"
                ),
            },
        ],
    },
    {
        "contact": "sl-spela",
        "channel": "web",
        "subject": "Darilni bon naj bi bil že unovčen",
        "priority": "normal",
        "status": "new",
        "team": None,
        "assignee": None,
        "tags": ["gift-card", "checkout"],
        "days_ago": 0,
        "messages": [
            {
                "from": "customer",
                "minutes_after": 0,
                "text": (
                    "Pozdravljeni! Za rojstni dan sem dobila darilni bon Aurora Outdoor v "
                    "vrednosti 50 €, pri plačilu pa mi sistem javi, da je bon že unovčen. Jaz ga "
                    "zagotovo še nisem uporabila. Fotografijo bona pošiljam v priponki."
                ),
            },
        ],
    },
]
