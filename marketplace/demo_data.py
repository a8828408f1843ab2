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
    ("diego@demo.example", "Diego", ["es"], [("en", "B2")], "es"),
    ("lucia@demo.example", "Lucía", ["es"], [], "es"),
    ("mateo@demo.example", "Mateo", ["es"], [("pt-BR", "B1")], "es"),
    ("rosa@demo.example", "Rosa (reviewer)", ["es"], [("en", "C2")], "es"),
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

#: Qualification settings of the demo project: short exams so the demo is quick to try.
DEMO_QUALIFICATION = {
    "required": True,
    "exam_size": 5,
    "min_gold_per_language": 6,
    "pass_mark": 0.8,
    "max_attempts": 3,
    "retry_delay_hours": 1,
    "exam_minutes": 20,
    "hidden_gold_rate": 0.1,
}

#: Annotators the demo qualifies by hand, so there is work to do at once; the others take exams.
PRE_QUALIFIED = [
    ("carlos@demo.example", "es"),
    ("emma@demo.example", "en"),
    ("li@demo.example", "zh-Hans"),
    ("diego@demo.example", "es"),
    ("lucia@demo.example", "es"),
    ("mateo@demo.example", "es"),
    ("rosa@demo.example", "es"),
]

#: Reviewers per language (each is qualified in it, above).
REVIEWERS = [("rosa@demo.example", "es")]

#: Review settings of the demo project: a visible sample, one pass, a day's review period.
DEMO_REVIEW = {"sample_rate": 0.2, "passes": 1, "auto_accept_hours": 24}

#: What one accepted judgment pays, per language (minor units of DEMO_CURRENCY), and the budget.
DEMO_CURRENCY = "EUR"
DEMO_RATE_MINOR = 15
DEMO_FUNDING_MINOR = 50_000

#: Work the demo does at seeding, so review, feedback and earnings have something to show: three
#: Spanish annotators' labels for the first three Spanish items, in item order (the last Spanish
#: item is left for Carlos to label). The annotator in ``DEMO_FLAGGER`` flags the third as an edge
#: case: a question, not a feeling.
DEMO_SPANISH_WORK = {
    "diego@demo.example": ["positive", "negative", "neutral"],
    "lucia@demo.example": ["positive", "negative", "neutral"],
    "mateo@demo.example": ["positive", "negative", "neutral"],
}
DEMO_FLAGGER = "mateo@demo.example"

#: Gold items: (language, text, label, explanation), written for this demo.
GOLD: list[tuple[str, str, str, str]] = [
    (
        "en",
        "Thanks a lot, the technician fixed everything in ten minutes.",
        "positive",
        "Clear thanks and satisfaction.",
    ),
    (
        "en",
        "Oh great, another week without internet. Thanks for nothing.",
        "negative",
        "Sarcastic thanks: the customer is angry.",
    ),
    (
        "en",
        "Could you send me the invoice for March again, please?",
        "neutral",
        "A request for information, no feeling.",
    ),
    (
        "en",
        "The agent was lovely, but the parcel is still missing.",
        "mixed",
        "Praise for the agent, anger about the parcel.",
    ),
    ("en", "This is the worst service I have ever had.", "negative", "Strong complaint."),
    ("en", "Perfect, the new card works. Have a nice day!", "positive", "Satisfied and friendly."),
    ("es", "Mil gracias, el reembolso ya está en mi cuenta.", "positive", "Agradecimiento claro."),
    (
        "es",
        "Genial, otra vez me cortaron la luz sin avisar. Gracias por nada.",
        "negative",
        "Agradecimiento sarcástico: el cliente está enfadado.",
    ),
    (
        "es",
        "¿Me pueden indicar el horario de atención telefónica?",
        "neutral",
        "Pide información, sin sentimiento.",
    ),
    (
        "es",
        "La chica que me atendió fue muy amable, pero el problema sigue.",
        "mixed",
        "Elogio a la agente y queja por el problema.",
    ),
    ("es", "Nunca más vuelvo a comprar aquí, es una vergüenza.", "negative", "Queja fuerte."),
    ("es", "Todo perfecto, el pedido llegó antes de lo previsto.", "positive", "Cliente satisfecho."),
    ("ar", "شكرًا جزيلًا، تم حل المشكلة بسرعة كبيرة.", "positive", "شكر واضح ورضا."),
    ("ar", "رائع، انقطع الإنترنت مرة أخرى. شكرًا على لا شيء.", "negative", "شكر ساخر: العميل غاضب."),
    ("ar", "هل يمكنكم إرسال الفاتورة إلى بريدي الإلكتروني؟", "neutral", "طلب معلومات دون أي شعور."),
    ("ar", "الموظفة كانت لطيفة، لكن الطرد لم يصل بعد.", "mixed", "مدح للموظفة وغضب بسبب الطرد."),
    ("ar", "أسوأ خدمة تعاملت معها في حياتي.", "negative", "شكوى شديدة."),
    ("ar", "كل شيء ممتاز، وصل الطلب قبل الموعد.", "positive", "عميل راضٍ."),
    ("hi", "बहुत-बहुत धन्यवाद, आपने मेरी समस्या तुरंत सुलझा दी।", "positive", "स्पष्ट धन्यवाद और संतोष।"),
    ("hi", "वाह, फिर से बिजली गुल। कुछ न करने के लिए शुक्रिया।", "negative", "व्यंग्य भरा धन्यवाद: ग्राहक नाराज़ है।"),
    ("hi", "क्या आप मुझे पिछले महीने का बिल दोबारा भेज सकते हैं?", "neutral", "जानकारी का अनुरोध, कोई भावना नहीं।"),
    ("hi", "एजेंट बहुत विनम्र थे, लेकिन पार्सल अब तक नहीं मिला।", "mixed", "एजेंट की तारीफ़, पार्सल पर नाराज़गी।"),
    ("hi", "इतनी खराब सेवा मैंने कभी नहीं देखी।", "negative", "कड़ी शिकायत।"),
    ("hi", "सब कुछ बढ़िया रहा, ऑर्डर समय से पहले आ गया।", "positive", "संतुष्ट ग्राहक।"),
    ("zh-Hans", "太感谢了，问题很快就解决了。", "positive", "明确的感谢和满意。"),
    ("zh-Hans", "真棒，又停网了。谢谢你们什么都没做。", "negative", "讽刺的感谢：客户很生气。"),
    ("zh-Hans", "请问可以把上个月的发票再发给我吗？", "neutral", "询问信息，没有情绪。"),
    ("zh-Hans", "客服态度很好，但是包裹还是没到。", "mixed", "称赞客服，但对包裹不满。"),
    ("zh-Hans", "这是我遇到过最差的服务。", "negative", "强烈的投诉。"),
    ("zh-Hans", "一切都很好，订单提前送到了。", "positive", "满意的客户。"),
    ("ja", "本当にありがとうございます。すぐに解決しました。", "positive", "はっきりした感謝と満足。"),
    (
        "ja",
        "またネットが切れました。何もしてくれてありがとう。",
        "negative",
        "皮肉な感謝：顧客は怒っている。",
    ),
    ("ja", "先月の請求書をもう一度送っていただけますか。", "neutral", "情報の依頼で、感情はない。"),
    ("ja", "担当の方は親切でしたが、荷物はまだ届いていません。", "mixed", "担当者への称賛と荷物への不満。"),
    ("ja", "こんなにひどい対応は初めてです。", "negative", "強い苦情。"),
    ("ja", "すべて完璧で、予定より早く届きました。", "positive", "満足している顧客。"),
]

#: Items the language step cannot settle, so the ops triage queue has something to show:
#: (declared language or None, text).
TRIAGE_ITEMS: list[tuple[str | None, str]] = [
    ("es", "Obrigado pela ajuda, o pedido chegou muito rápido e bem embalado."),
    (
        None,
        "I love this app and I use it every single day for work. "
        "Pero la última actualización borró todas mis notas y estoy furioso.",
    ),
    (None, "ok 👍"),
]
