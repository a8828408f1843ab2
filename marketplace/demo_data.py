"""The demo's content: people, a project and short customer messages in twelve languages.

The messages are written for this demo; each is tagged with the language it is written in.
"""

from __future__ import annotations

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the published demo password
#: A fixed token so the demo can print it on every run (only ever seeded by ``make run``).
DEMO_TOKEN = "mkt_demo_0f3c9a7be2d84c61a5f0c2d1e9b7a4f8"  # noqa: S105 - the published demo token

OPS = {"email": "ops@demo.example", "name": "Olga (ops)"}
CLIENT = {"email": "client@demo.example", "name": "Chris (client)", "organisation": "Globex Support AI"}

#: Annotators: email, display name, native languages, other languages with a CEFR level, UI locale.
ANNOTATORS = [
    ("amina@demo.example", "Amina", ["ar"], [("fr", "B2")], "ar"),
    ("carlos@demo.example", "Carlos", ["es"], [("en", "C1")], "es"),
    ("priya@demo.example", "Priya", ["hi"], [("en", "C2")], "hi"),
    ("li@demo.example", "Li Wei", ["zh-Hans"], [("en", "B2")], "zh-Hans"),
    ("yuki@demo.example", "Yuki", ["ja"], [("en", "B1")], "en"),
    ("amani@demo.example", "Amani", ["sw"], [("en", "C1")], "en"),
    ("emma@demo.example", "Emma", ["en", "de"], [], "en"),
    ("lucas@demo.example", "Lucas", ["pt-BR"], [("es", "B2")], "es"),
]

PROJECT = {
    "name": "Support messages: sentiment (12 languages)",
    "description": "Label the sentiment of short customer-support messages.",
    "task_type": "classification",
    "source_language": "en",
    "overlap": 3,
    "max_overlap": 5,
    "ontology": {
        "labels": [
            {
                "name": "positive",
                "definition": "The customer is satisfied, thankful or happy.",
                "edge_cases": ["Thanks that are clearly sarcastic are negative."],
                "examples": ["Thank you, it works now!"],
            },
            {
                "name": "negative",
                "definition": "The customer is unhappy, angry or disappointed.",
                "edge_cases": ["A polite complaint is still negative."],
                "examples": ["My order arrived broken."],
            },
            {
                "name": "neutral",
                "definition": "A question or statement without a feeling either way.",
                "edge_cases": ["Requests for information are neutral even with 'please'."],
                "examples": ["What time do you open?"],
            },
            {
                "name": "mixed",
                "definition": "Both satisfied and unhappy about different things.",
                "edge_cases": ["Praise for the agent but anger about the product is mixed."],
                "examples": ["The agent was kind but the refund still has not arrived."],
            },
        ]
    },
    "guidelines": {
        "en": "Read the whole message. Choose the feeling of the customer, not of the agent. "
        "If two feelings are present about different things, choose 'mixed'.",
        "es": "Lea el mensaje completo. Elija el sentimiento del cliente, no el del agente. "
        "Si hay dos sentimientos sobre cosas distintas, elija 'mixed'.",
        "ar": "اقرأ الرسالة كاملة. اختر شعور العميل، لا شعور الموظف. "
        "إذا وُجد شعوران تجاه أمرين مختلفين فاختر 'mixed'.",
    },
}

#: (declared language, text); four per language, one of each label in spirit.
ITEMS: list[tuple[str, str]] = [
    ("en", "Thank you so much, the replacement arrived this morning and works perfectly."),
    ("en", "I have been waiting three weeks for my refund and nobody answers my emails."),
    ("en", "Can you tell me whether the blue model is available in a larger size?"),
    ("en", "The delivery was fast, but the box was damaged and one cup is broken."),
    ("es", "Muchas gracias por la ayuda, el problema quedó resuelto en pocos minutos."),
    ("es", "Es la tercera vez que pido el reembolso y sigo sin recibir respuesta."),
    ("es", "¿A qué hora abre la tienda del centro los sábados?"),
    ("es", "El técnico fue muy amable, pero la lavadora sigue sin funcionar."),
    ("fr", "Merci beaucoup, ma commande est arrivée plus tôt que prévu."),
    ("fr", "Le produit ne correspond pas du tout à la description, je suis très déçu."),
    ("fr", "Pouvez-vous me dire comment modifier mon adresse de livraison ?"),
    ("fr", "Le service client est rapide, mais l'application plante sans arrêt."),
    ("de", "Vielen Dank, das Ersatzteil passt genau und alles läuft wieder."),
    ("de", "Seit zwei Wochen warte ich auf eine Antwort, das ist wirklich ärgerlich."),
    ("de", "Gibt es die Jacke auch in Größe M und in Dunkelblau?"),
    ("de", "Die Lieferung kam pünktlich, aber die Rechnung war leider falsch."),
    ("pt-BR", "Muito obrigado, o atendimento foi ótimo e resolveu tudo rapidinho."),
    ("pt-BR", "Paguei pelo frete expresso e o pedido chegou com uma semana de atraso."),
    ("pt-BR", "Vocês entregam no interior de Minas Gerais?"),
    ("pt-BR", "Gostei do produto, mas a embalagem veio toda amassada."),
    ("ar", "شكرًا جزيلًا، وصل الطلب في الموعد وكان كل شيء ممتازًا."),
    ("ar", "انتظرت أكثر من أسبوعين ولم يصلني المبلغ المسترد حتى الآن."),
    ("ar", "هل يمكنني تغيير عنوان التوصيل بعد إتمام الطلب؟"),
    ("ar", "الموظف كان لطيفًا جدًا، لكن المشكلة ما زالت قائمة."),
    ("hi", "बहुत धन्यवाद, आपकी टीम ने मेरी समस्या तुरंत हल कर दी।"),
    ("hi", "मेरा ऑर्डर दस दिन से अटका हुआ है और कोई जवाब नहीं दे रहा।"),
    ("hi", "क्या यह फ़ोन दूसरे रंग में भी मिलता है?"),
    ("hi", "डिलीवरी जल्दी हुई, लेकिन चार्जर डिब्बे में नहीं था।"),
    ("zh-Hans", "非常感谢，客服很快就帮我解决了问题。"),
    ("zh-Hans", "我已经等了三个星期，退款还是没有到账，太让人失望了。"),
    ("zh-Hans", "请问这款耳机支持无线充电吗？"),
    ("zh-Hans", "快递很快，但是外包装破了，里面的杯子也碎了一个。"),
    ("ja", "迅速に対応していただき、本当にありがとうございました。"),
    ("ja", "注文した商品がまだ届かず、問い合わせにも返事がありません。"),
    ("ja", "この商品は海外にも発送できますか？"),
    ("ja", "スタッフの方は親切でしたが、修理はまだ終わっていません。"),
    ("sw", "Asante sana, mzigo wangu umefika salama na kwa wakati."),
    ("sw", "Nimesubiri wiki tatu na bado sijarudishiwa pesa zangu."),
    ("sw", "Je, mnaweza kuleta bidhaa hadi Mombasa?"),
    ("sw", "Huduma ilikuwa nzuri, lakini simu niliyopokea ina mkwaruzo."),
    ("tr", "Çok teşekkürler, siparişim beklediğimden önce geldi."),
    ("tr", "İki haftadır iade bekliyorum ve kimse cevap vermiyor."),
    ("tr", "Bu ürünün garantisi kaç yıl?"),
    ("tr", "Kargo hızlıydı ama ürünün kutusu ezilmişti."),
    ("id", "Terima kasih banyak, pesanan saya sampai dengan cepat dan rapi."),
    ("id", "Sudah dua minggu saya menunggu pengembalian dana tanpa kabar."),
    ("id", "Apakah produk ini tersedia dalam warna hitam?"),
    ("id", "Pelayanannya ramah, tetapi barangnya ternyata kurang satu."),
]

LANGUAGES = sorted({language for language, _text in ITEMS})
