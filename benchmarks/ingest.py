"""Ingest: items uploaded through the API until their languages are detected, against a bare
``COPY`` of the same rows measured in the same run, and whether memory stays flat as uploads grow.

Run: ``PYTHONPATH=. .venv/bin/python -m benchmarks.ingest [--sizes 10000,100000] [--profile]
[--heap] [--jobs thread|inline] [--poll 1] [--server URL] [--database NAME] [--keep]``
(a scratch database, ``bench_ingest`` by default, is dropped and created again on the PostgreSQL
server for each size, its schema built by the migrations, and dropped at the end unless ``--keep``).

The target (from the issue): 100,000 items uploaded through the API until their languages are
detected in under 60 s on this machine, with peak memory flat in item count.

For each size N, in a fresh process (not timed): an organisation with a client API token, and an
active classification project in en, es, de, fr, pt-BR, zh-Hans, ar and hi made by the projects
service; N realistic multilingual texts (customer reviews and support messages: a few dozen real
sentences per language, some joined in pairs, varied by order numbers, ratings and words; one in
twenty too short to judge), some declared in the project's spelling, some in another valid one
(``en-US``, ``pt``, ``zh-CN``: read as the project's, noted on the import), some ``und``, some
undeclared, one in a hundred declared wrong (the client's mistake: the text goes to triage), all
as one JSON Lines body. A 1,200-item upload is sent first, untimed, so one-time costs (lazy
imports, the detector's models) are not charged to the size. Then:

* ours — ``POST /api/v1/projects/<id>/items`` with the bearer token through Flask's test client
  (above ``SYNC_UPLOAD_MAX_ITEMS``, 1,000 by default, the answer is 202 with a ``Location`` to the
  import), then the client polls ``GET /api/v1/projects/<id>/progress`` (every ``--poll`` s, 1 by
  default) until ``language_detection.pending`` is 0 for all N items and no import is running.
  Jobs run in this process: ``--jobs thread`` (default) in the app's job threads, as ``make run``
  does, so the POST answers at once as it would in front of RQ workers; ``--jobs inline`` runs
  them inside the POST. Phases, from the import row's own timestamps and the detection job's log
  line: upload (the POST until the import job starts), import (parse, check and store: the job's
  ``started_at`` to ``finished_at``; the check/store split is when the row was first seen in state
  ``storing``, sampled every 0.1 s by SQL), detection (the import's end until the detection job
  logs that it has decided the batch), total (the sum: the POST until the last item's language is
  decided). When the polling client saw it done is printed too (later by up to one poll).
  The import's ``Location`` is not polled: reading an import through the API loads the raw upload
  with it while the import runs, so polling it would slow the import being measured; what one
  such GET costs is measured and printed instead.
* floor — a bare ``COPY item (<the columns an item needs>) FROM STDIN`` of the same N rows into a
  fresh project's batch through psycopg's ``cursor.copy()``, committed: the least storing these
  items can cost, index maintenance included. Rows are built before the clock starts. Ratio:
  floor time ÷ ours (1.0 = ours costs nothing on top of writing the rows).
* detect-only — ``detect_language`` on the same N texts in a plain loop, no database: what
  detection alone costs, so the rest of ours can be told apart from it.

Memory: each size runs in a fresh subprocess (the script re-invokes itself with ``--one-size
N``), so ``ru_maxrss`` is that size's own. The upload body is built before the peak mark is reset
(``/proc/self/clear_refs``) and is in the baseline; "RSS+" is what ingesting adds on top of it. In
thread mode the peak is also read per phase, at the moments the poller sees a phase end (the
mark is reset there, so the ingest's peak is the highest of them; a phase's peak may take in the
start of the next: the import job starts while the POST is still answering). ``--heap`` runs ours
once more under tracemalloc, on another project, for the Python heap peak (slow: tracemalloc makes
allocation-heavy Python several times slower, so that run's time is reported but not compared).

``--profile`` runs ours under cProfile with jobs inline (the profiler sees only the thread that
enabled it): its times include the profiler's overhead and are marked as such in the table.

Also printed per size, to tell where time goes without a profiler: the CPU time of the measuring
process and of the PostgreSQL backends serving this database over the same wall time (a local
server: read from /proc); the cost of each GET /progress; where the items ended (ready, triage
and why, routed as the language they were written in or not); and each phase's rate over the
first and the second half of the items (a second half much slower would mean a cost growing with
the items already done).

Timings depend on what else runs on the machine: the load average at the start and the end of
each size is printed, and the process's CPU time beside its wall time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import os
import pstats
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.scratch_database import database_urls, drop_database, recreate_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (10_000, 100_000)
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/"
DEFAULT_DATABASE = "bench_ingest"
#: The issue's target for 100,000 items.
TARGET_ITEMS = 100_000
TARGET_SECONDS = 60.0
SEED = 20_260_301
#: Items of the untimed warm-up upload: above the default SYNC_UPLOAD_MAX_ITEMS, so it takes the
#: same background-import path as the timed one.
WARMUP_ITEMS = 1_200
#: Seconds between samples of the import row (read by SQL: cheap), and by default between the
#: client's polls of the progress endpoint (GROUP BY queries on the project's items: about 0.1 s
#: each at 100,000 items, so polling much faster slows what it watches).
IMPORT_POLL_SECONDS = 0.1
PROGRESS_POLL_SECONDS = 1.0
#: Give up on an upload that has not finished after this long.
TIMEOUT_SECONDS = 30 * 60
#: Child → parent: the result line starts with this; every other line is echoed as is.
RESULT_MARKER = "BENCH_RESULT "
#: The child gets the database URL from the environment, not argv: argv is visible to everyone.
URL_ENV = "BENCH_INGEST_DATABASE_URL"
DETECTION_LOGGER = "marketplace.projects.language_detection_job"
MIB = 1024 * 1024

#: Target languages of the project, and their share of the uploaded items.
LANGUAGE_WEIGHTS = {
    "en": 30,
    "es": 15,
    "de": 10,
    "fr": 10,
    "pt-BR": 10,
    "zh-Hans": 10,
    "ar": 8,
    "hi": 7,
}
LANGUAGES = tuple(LANGUAGE_WEIGHTS)

#: Other valid spellings a client may declare, each read as the project's language.
VARIANTS = {
    "en": ("en-US", "en-GB"),
    "es": ("es-MX", "es-419", "es-ES"),
    "de": ("de-DE", "de-AT", "de-CH"),
    "fr": ("fr-FR", "fr-CA"),
    "pt-BR": ("pt", "pt_BR"),
    "zh-Hans": ("zh", "zh-CN", "zh-Hans-CN"),
    "ar": ("ar-EG", "ar-SA"),
    "hi": ("hi-IN",),
}

#: A word appended before an order number, per language.
ORDER_WORD = {
    "en": "order",
    "es": "pedido",
    "de": "Bestellung",
    "fr": "commande",
    "pt-BR": "pedido",
    "zh-Hans": "订单",
    "ar": "طلب رقم",
    "hi": "ऑर्डर",
}

#: Texts too short for the detector to judge: they keep a declared language, or go to triage.
SHORT = {
    "en": ("Thanks!", "OK", "Not bad.", "Broken."),
    "es": ("¡Gracias!", "Vale", "Nada mal.", "Roto."),
    "de": ("Danke!", "Passt.", "Nicht schlecht.", "Kaputt."),
    "fr": ("Merci !", "Bof.", "Pas mal.", "Cassé."),
    "pt-BR": ("Valeu!", "Beleza", "Nada mal.", "Quebrou."),
    "zh-Hans": ("谢谢", "还行", "不错", "坏了"),
    "ar": ("شكراً", "تمام", "ليس سيئاً", "مكسور"),
    "hi": ("धन्यवाद", "ठीक है", "बुरा नहीं", "टूट गया"),
}

#: Customer reviews and support messages, the same situations in each language.
SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "The parcel arrived two days late and the box was crushed, but the headphones work fine.",
        "Great customer service: they replaced my broken kettle within a week.",
        "I have been waiting three weeks for my refund and nobody answers my emails.",
        "The app crashes every time I try to upload a photo from my gallery.",
        "Honestly the best running shoes I have owned, light and comfortable even after ten miles.",
        "The size chart is wrong; the medium fits like a small.",
        "Delivery was quick and the driver was very polite.",
        "Battery life is much shorter than advertised, barely half a day.",
        "Could you tell me whether this charger works with the older model?",
        "The hotel room was clean but the air conditioning was noisy all night.",
        "I love the new update, the dark mode is easy on the eyes.",
        "My order was cancelled without any explanation and I was still charged.",
        "The instructions were confusing and two screws were missing from the box.",
        "Fresh vegetables, fair prices and friendly staff at the market stall.",
        "The subscription renewed automatically even though I had turned it off.",
        "Works as described. Nothing special, but it does the job.",
        "The coffee machine leaks water from the bottom after a month of use.",
        "Thank you for the quick reply, the problem is solved now.",
        "The tracking number you sent me does not exist on the courier's website.",
        "Our flight was delayed four hours and the airline offered no food vouchers.",
        "The fabric feels cheap and the colour faded after the first wash.",
        "I would buy from this seller again without hesitation.",
        "The login page keeps asking for a code that never arrives by text message.",
        "Lovely little café with good pastries, although the music was too loud.",
        "The mattress smelled of chemicals for days after we unpacked it.",
        "Please update the address on my account before the next shipment goes out.",
        "The camera takes sharp pictures in daylight but struggles indoors.",
        "Checkout failed twice with an unknown error, so I gave up.",
    ),
    "es": (
        "El paquete llegó con dos días de retraso y la caja estaba aplastada, pero los auriculares "
        "funcionan bien.",
        "Muy buena atención al cliente: me cambiaron la tetera rota en menos de una semana.",
        "Llevo tres semanas esperando el reembolso y nadie contesta mis correos.",
        "La aplicación se cierra cada vez que intento subir una foto de la galería.",
        "Sinceramente, las mejores zapatillas para correr que he tenido, ligeras y cómodas.",
        "La tabla de tallas está mal; la talla M me queda como una S.",
        "La entrega fue rápida y el repartidor muy amable.",
        "La batería dura mucho menos de lo anunciado, apenas medio día.",
        "¿Podrían decirme si este cargador sirve para el modelo anterior?",
        "La habitación del hotel estaba limpia, pero el aire acondicionado hizo ruido toda la noche.",
        "Me encanta la nueva actualización, el modo oscuro descansa la vista.",
        "Cancelaron mi pedido sin ninguna explicación y aun así me cobraron.",
        "Las instrucciones eran confusas y faltaban dos tornillos en la caja.",
        "Verduras frescas, precios justos y un trato muy cercano en el puesto del mercado.",
        "La suscripción se renovó automáticamente aunque la había desactivado.",
        "Funciona como se describe. Nada especial, pero cumple.",
        "La cafetera pierde agua por debajo después de un mes de uso.",
        "Gracias por la respuesta tan rápida, el problema ya está resuelto.",
        "El número de seguimiento que me enviaron no existe en la web de la mensajería.",
        "Nuestro vuelo se retrasó cuatro horas y la aerolínea no ofreció ni un bocadillo.",
        "La tela parece barata y el color se desgastó después del primer lavado.",
        "Volvería a comprarle a este vendedor sin dudarlo.",
        "La página de inicio de sesión me pide un código que nunca llega por SMS.",
        "Una cafetería pequeña y encantadora, con buena bollería, aunque la música estaba demasiado alta.",
        "El colchón olía a productos químicos varios días después de desembalarlo.",
        "Por favor, actualicen la dirección de mi cuenta antes del próximo envío.",
        "La cámara hace fotos nítidas con luz de día, pero en interiores le cuesta.",
        "El pago falló dos veces con un error desconocido, así que lo dejé.",
    ),
    "de": (
        "Das Paket kam zwei Tage zu spät und der Karton war eingedrückt, aber die Kopfhörer "
        "funktionieren einwandfrei.",
        "Toller Kundenservice: Mein defekter Wasserkocher wurde innerhalb einer Woche ersetzt.",
        "Ich warte seit drei Wochen auf meine Erstattung und niemand beantwortet meine E-Mails.",
        "Die App stürzt jedes Mal ab, wenn ich ein Foto aus der Galerie hochladen will.",
        "Ehrlich gesagt die besten Laufschuhe, die ich je hatte, leicht und bequem.",
        "Die Größentabelle stimmt nicht, die Größe M fällt aus wie eine S.",
        "Die Lieferung war schnell und der Fahrer sehr freundlich.",
        "Der Akku hält viel kürzer als angegeben, kaum einen halben Tag.",
        "Können Sie mir sagen, ob dieses Ladegerät auch mit dem älteren Modell funktioniert?",
        "Das Hotelzimmer war sauber, aber die Klimaanlage war die ganze Nacht laut.",
        "Ich liebe das neue Update, der dunkle Modus schont die Augen.",
        "Meine Bestellung wurde ohne Begründung storniert und trotzdem wurde mir der Betrag abgebucht.",
        "Die Anleitung war verwirrend und im Karton fehlten zwei Schrauben.",
        "Frisches Gemüse, faire Preise und nettes Personal am Marktstand.",
        "Das Abonnement hat sich automatisch verlängert, obwohl ich es gekündigt hatte.",
        "Funktioniert wie beschrieben. Nichts Besonderes, aber erfüllt seinen Zweck.",
        "Die Kaffeemaschine verliert nach einem Monat Wasser an der Unterseite.",
        "Vielen Dank für die schnelle Antwort, das Problem ist jetzt gelöst.",
        "Die Sendungsnummer, die Sie mir geschickt haben, existiert auf der Seite des Paketdienstes nicht.",
        "Unser Flug hatte vier Stunden Verspätung und die Fluggesellschaft bot keine Verpflegung an.",
        "Der Stoff fühlt sich billig an und die Farbe ist nach der ersten Wäsche verblasst.",
        "Ich würde bei diesem Händler jederzeit wieder bestellen.",
        "Die Anmeldeseite verlangt ständig einen Code, der nie per SMS ankommt.",
        "Ein hübsches kleines Café mit gutem Gebäck, nur die Musik war zu laut.",
        "Die Matratze roch nach dem Auspacken tagelang nach Chemikalien.",
        "Bitte ändern Sie die Adresse in meinem Konto vor der nächsten Lieferung.",
        "Die Kamera macht bei Tageslicht scharfe Bilder, drinnen tut sie sich schwer.",
        "Die Bezahlung ist zweimal mit einem unbekannten Fehler abgebrochen, also habe ich aufgegeben.",
    ),
    "fr": (
        "Le colis est arrivé avec deux jours de retard et le carton était écrasé, mais le casque "
        "fonctionne bien.",
        "Excellent service client : ils ont remplacé ma bouilloire cassée en moins d'une semaine.",
        "J'attends mon remboursement depuis trois semaines et personne ne répond à mes courriels.",
        "L'application plante chaque fois que j'essaie d'envoyer une photo de ma galerie.",
        "Honnêtement, les meilleures chaussures de course que j'ai eues, légères et confortables.",
        "Le guide des tailles est faux : le M taille comme un S.",
        "La livraison a été rapide et le livreur très poli.",
        "L'autonomie de la batterie est bien plus courte qu'annoncé, à peine une demi-journée.",
        "Pourriez-vous me dire si ce chargeur fonctionne avec l'ancien modèle ?",
        "La chambre d'hôtel était propre mais la climatisation a fait du bruit toute la nuit.",
        "J'adore la nouvelle mise à jour, le mode sombre repose les yeux.",
        "Ma commande a été annulée sans aucune explication et j'ai quand même été débité.",
        "La notice était confuse et il manquait deux vis dans la boîte.",
        "Des légumes frais, des prix honnêtes et un personnel aimable au marché.",
        "L'abonnement s'est renouvelé automatiquement alors que je l'avais désactivé.",
        "Conforme à la description. Rien d'exceptionnel, mais il fait le travail.",
        "La cafetière fuit par le dessous après un mois d'utilisation.",
        "Merci pour votre réponse rapide, le problème est maintenant réglé.",
        "Le numéro de suivi que vous m'avez envoyé n'existe pas sur le site du transporteur.",
        "Notre vol a eu quatre heures de retard et la compagnie n'a proposé aucun repas.",
        "Le tissu fait bon marché et la couleur a passé dès le premier lavage.",
        "Je rachèterais chez ce vendeur sans hésiter.",
        "La page de connexion me demande sans cesse un code qui n'arrive jamais par SMS.",
        "Un petit café charmant avec de bonnes viennoiseries, même si la musique était trop forte.",
        "Le matelas sentait les produits chimiques plusieurs jours après le déballage.",
        "Merci de mettre à jour l'adresse de mon compte avant la prochaine expédition.",
        "L'appareil photo fait des images nettes en plein jour mais peine en intérieur.",
        "Le paiement a échoué deux fois avec une erreur inconnue, alors j'ai abandonné.",
    ),
    "pt-BR": (
        "O pacote chegou com dois dias de atraso e a caixa estava amassada, mas os fones funcionam bem.",
        "Ótimo atendimento: trocaram minha chaleira quebrada em menos de uma semana.",
        "Estou esperando o reembolso há três semanas e ninguém responde meus e-mails.",
        "O aplicativo trava toda vez que tento enviar uma foto da galeria.",
        "Sinceramente, o melhor tênis de corrida que já tive, leve e confortável.",
        "A tabela de medidas está errada; o tamanho M veste como P.",
        "A entrega foi rápida e o entregador foi muito educado.",
        "A bateria dura bem menos do que o anunciado, mal chega a meio dia.",
        "Vocês podem me dizer se este carregador funciona com o modelo antigo?",
        "O quarto do hotel estava limpo, mas o ar-condicionado fez barulho a noite inteira.",
        "Adorei a nova atualização, o modo escuro é bem mais confortável para os olhos.",
        "Meu pedido foi cancelado sem nenhuma explicação e mesmo assim fui cobrado.",
        "As instruções eram confusas e faltavam dois parafusos na caixa.",
        "Verduras fresquinhas, preço justo e atendimento simpático na barraca da feira.",
        "A assinatura foi renovada automaticamente, mesmo eu tendo desativado.",
        "Funciona conforme descrito. Nada demais, mas cumpre o que promete.",
        "A cafeteira começou a vazar água por baixo depois de um mês de uso.",
        "Obrigado pela resposta rápida, o problema já foi resolvido.",
        "O código de rastreamento que vocês mandaram não existe no site da transportadora.",
        "Nosso voo atrasou quatro horas e a companhia aérea não ofereceu nem um lanche.",
        "O tecido parece barato e a cor desbotou na primeira lavagem.",
        "Compraria de novo com esse vendedor sem pensar duas vezes.",
        "A página de login fica pedindo um código que nunca chega por SMS.",
        "Cafeteria pequena e charmosa, com salgados gostosos, mas a música estava alta demais.",
        "O colchão ficou com cheiro de produto químico por vários dias depois que tiramos da embalagem.",
        "Por favor, atualizem o endereço da minha conta antes do próximo envio.",
        "A câmera tira fotos nítidas de dia, mas em ambientes fechados deixa a desejar.",
        "O pagamento falhou duas vezes com um erro desconhecido, então desisti.",
    ),
    "zh-Hans": (
        "快递比预计晚到了两天，包装盒也被压坏了，不过耳机本身没有问题。",
        "客服非常好，一周之内就给我换了新的电热水壶。",
        "我等退款已经等了三个星期，发了好几封邮件都没人回复。",
        "每次从相册上传照片，应用就会闪退。",
        "说实话，这是我穿过最好的跑鞋，又轻又舒服。",
        "尺码表不准，M码穿起来像S码。",
        "送货很快，快递员也很有礼貌。",
        "电池续航比宣传的短很多，连半天都撑不到。",
        "请问这个充电器能用在旧款机型上吗？",
        "酒店房间很干净，但是空调整晚都很吵。",
        "很喜欢这次更新，深色模式看着眼睛舒服多了。",
        "我的订单莫名其妙被取消了，钱却照样扣了。",
        "说明书写得很混乱，盒子里还少了两颗螺丝。",
        "菜很新鲜，价格公道，摊主也很热情。",
        "我明明已经关闭了自动续费，订阅还是自动续上了。",
        "和描述一致，没什么特别的，但够用。",
        "咖啡机用了一个月底部就开始漏水。",
        "谢谢你们这么快回复，问题已经解决了。",
        "你们发给我的快递单号在快递公司网站上根本查不到。",
        "航班延误了四个小时，航空公司连一份餐食都没提供。",
        "面料摸起来很廉价，洗了一次就褪色了。",
        "我还会在这家店买东西的。",
        "登录页面一直要求输入验证码，可短信始终收不到。",
        "一家很可爱的小咖啡馆，甜点不错，就是音乐声音太大了。",
        "床垫拆开以后好几天都有一股化学品的味道。",
        "请在下次发货前帮我更新账户里的收货地址。",
        "这款相机白天拍照很清晰，但在室内效果一般。",
        "付款两次都因为未知错误失败了，我只好放弃。",
    ),
    "ar": (
        "وصل الطرد متأخراً يومين وكانت العلبة مهروسة، لكن السماعات تعمل بشكل جيد.",
        "خدمة عملاء رائعة: استبدلوا الغلاية المكسورة خلال أسبوع واحد.",
        "أنتظر استرداد أموالي منذ ثلاثة أسابيع ولا أحد يرد على رسائلي.",
        "يتوقف التطبيق في كل مرة أحاول فيها رفع صورة من المعرض.",
        "بصراحة أفضل حذاء جري امتلكته، خفيف ومريح جداً.",
        "جدول المقاسات غير دقيق، المقاس المتوسط يبدو كالصغير.",
        "كان التوصيل سريعاً وكان السائق مهذباً للغاية.",
        "عمر البطارية أقصر بكثير مما هو معلن، بالكاد نصف يوم.",
        "هل يمكنكم إخباري إن كان هذا الشاحن يعمل مع الطراز القديم؟",
        "كانت غرفة الفندق نظيفة لكن المكيف كان مزعجاً طوال الليل.",
        "أحببت التحديث الجديد، الوضع الداكن مريح للعينين.",
        "أُلغي طلبي دون أي تفسير ومع ذلك تم خصم المبلغ من حسابي.",
        "كانت التعليمات مربكة وكان هناك برغيان ناقصان في العلبة.",
        "خضروات طازجة وأسعار معقولة وبائع لطيف في السوق.",
        "تجدد الاشتراك تلقائياً رغم أنني قمت بإيقافه.",
        "يعمل كما هو موصوف. لا شيء مميز، لكنه يؤدي الغرض.",
        "بدأت آلة القهوة تسرب الماء من الأسفل بعد شهر من الاستخدام.",
        "شكراً على الرد السريع، لقد تم حل المشكلة الآن.",
        "رقم التتبع الذي أرسلتموه غير موجود على موقع شركة الشحن.",
        "تأخرت رحلتنا أربع ساعات ولم تقدم شركة الطيران أي وجبات.",
        "القماش يبدو رخيصاً وبهت اللون بعد الغسلة الأولى.",
        "سأشتري من هذا البائع مرة أخرى دون تردد.",
        "صفحة تسجيل الدخول تطلب رمزاً لا يصل أبداً عبر الرسائل القصيرة.",
        "مقهى صغير وجميل ومعجناته لذيذة، لكن الموسيقى كانت صاخبة جداً.",
        "ظلت رائحة المواد الكيميائية في المرتبة لعدة أيام بعد فتحها.",
        "أرجو تحديث العنوان في حسابي قبل الشحنة القادمة.",
        "تلتقط الكاميرا صوراً واضحة في النهار لكنها ضعيفة في الأماكن المغلقة.",
        "فشل الدفع مرتين بسبب خطأ غير معروف، فاستسلمت.",
    ),
    "hi": (
        "पार्सल दो दिन देर से पहुँचा और डिब्बा दबा हुआ था, लेकिन हेडफ़ोन ठीक काम कर रहे हैं।",
        "बहुत अच्छी ग्राहक सेवा, उन्होंने एक हफ़्ते के अंदर मेरी टूटी हुई केतली बदल दी।",
        "मैं तीन हफ़्तों से अपने रिफ़ंड का इंतज़ार कर रहा हूँ और कोई मेरे ईमेल का जवाब नहीं देता।",
        "जब भी मैं गैलरी से फ़ोटो अपलोड करने की कोशिश करता हूँ, ऐप बंद हो जाता है।",
        "सच कहूँ तो ये मेरे अब तक के सबसे अच्छे रनिंग जूते हैं, हल्के और आरामदायक।",
        "साइज़ चार्ट गलत है, मीडियम साइज़ स्मॉल जैसा आता है।",
        "डिलीवरी जल्दी हुई और डिलीवरी वाला बहुत विनम्र था।",
        "बैटरी विज्ञापन से बहुत कम चलती है, मुश्किल से आधा दिन।",
        "क्या आप बता सकते हैं कि यह चार्जर पुराने मॉडल के साथ काम करेगा?",
        "होटल का कमरा साफ़ था लेकिन एसी पूरी रात शोर करता रहा।",
        "मुझे नया अपडेट बहुत पसंद आया, डार्क मोड से आँखों को आराम मिलता है।",
        "मेरा ऑर्डर बिना किसी कारण के रद्द कर दिया गया और फिर भी पैसे कट गए।",
        "निर्देश उलझे हुए थे और डिब्बे में दो पेंच कम थे।",
        "ताज़ी सब्ज़ियाँ, सही दाम और दुकानदार का व्यवहार बहुत अच्छा था।",
        "मैंने ऑटो-रिन्यूअल बंद कर दिया था, फिर भी सदस्यता अपने आप नवीनीकृत हो गई।",
        "जैसा बताया गया था वैसा ही है। कुछ खास नहीं, पर काम चल जाता है।",
        "एक महीने इस्तेमाल के बाद कॉफ़ी मशीन नीचे से पानी टपकाने लगी।",
        "जल्दी जवाब देने के लिए धन्यवाद, अब समस्या हल हो गई है।",
        "आपने जो ट्रैकिंग नंबर भेजा है वह कूरियर की वेबसाइट पर मौजूद ही नहीं है।",
        "हमारी उड़ान चार घंटे लेट थी और एयरलाइन ने खाने के लिए कुछ भी नहीं दिया।",
        "कपड़ा सस्ता लगता है और पहली धुलाई के बाद ही रंग फीका पड़ गया।",
        "मैं इस विक्रेता से बिना झिझक दोबारा खरीदूँगा।",
        "लॉगिन पेज बार-बार एक कोड माँगता है जो एसएमएस पर कभी आता ही नहीं।",
        "छोटा सा प्यारा कैफ़े, पेस्ट्री अच्छी थी, बस संगीत बहुत तेज़ था।",
        "गद्दे को खोलने के बाद कई दिनों तक उसमें से केमिकल की गंध आती रही।",
        "कृपया अगली शिपमेंट से पहले मेरे खाते का पता अपडेट कर दें।",
        "कैमरा दिन की रोशनी में साफ़ तस्वीरें लेता है, लेकिन घर के अंदर कमज़ोर है।",
        "भुगतान दो बार किसी अज्ञात त्रुटि से विफल हो गया, इसलिए मैंने छोड़ दिया।",
    ),
}
SOURCES = ("app_store", "email", "chat", "survey")


# --- the upload ----------------------------------------------------------------------------------


def make_records(n: int, prefix: str = "rev", seed: int = SEED) -> Iterator[dict[str, Any]]:
    """``n`` item records as a client would upload them, the same for the same ``seed``.

    ``metadata.written_in`` is the language the text was written in (the benchmark's truth, stored
    by the marketplace as the client's own data); ``language`` is what the client declares.
    """
    rng = random.Random(seed)
    weights = list(LANGUAGE_WEIGHTS.values())
    for k in range(n):
        language = rng.choices(LANGUAGES, weights)[0]
        if rng.random() < 0.05:
            text = rng.choice(SHORT[language])
        else:
            sentences = SENTENCES[language]
            text = rng.choice(sentences)
            if rng.random() < 0.35:
                text += " " + rng.choice(sentences)
            suffix = rng.random()
            if suffix < 0.25:
                text += f" ({ORDER_WORD[language]} {rng.randrange(100_000, 999_999)})"
            elif suffix < 0.40:
                text += f" #{rng.randrange(1_000, 99_999)}"
            elif suffix < 0.50:
                text += f" {rng.randrange(1, 6)}/5"
        record: dict[str, Any] = {"external_id": f"{prefix}-{k:07d}"}
        declared = rng.random()
        if declared < 0.50:
            record["language"] = language
        elif declared < 0.62:
            record["language"] = rng.choice(VARIANTS[language])
        elif declared < 0.66:
            record["language"] = "und"
        elif declared < 0.67:
            record["language"] = rng.choice([other for other in LANGUAGES if other != language])
        record["payload"] = {"text": text}
        record["metadata"] = {"written_in": language, "source": rng.choice(SOURCES)}
        yield record


def jsonl_body(n: int, prefix: str = "rev") -> bytes:
    """The records as one JSON Lines upload, UTF-8 as clients send it."""
    return "".join(
        json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        for record in make_records(n, prefix)
    ).encode()


# --- the measuring process -----------------------------------------------------------------------


class _DetectionEnd(logging.Handler):
    """Notes when the detection job logs that it has decided a batch (its last act)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.times.append(record.created)


def _rss_kib(field: str = "VmRSS") -> int:
    """A memory figure of this process from /proc (VmRSS now, VmHWM the peak), in KiB; 0 if absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM, which ``ru_maxrss`` follows) to the current RSS."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _server_cpu(dsn: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend connected to this database (a local
    server only: read from /proc); empty where that cannot be read."""
    import psycopg

    ticks = os.sysconf("SC_CLK_TCK")
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            pids = [
                int(pid)
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid()"
                )
            ]
        seconds = {}
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, psycopg.Error, IndexError, ValueError):
        return {}
    return seconds


def _project_data(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "task_type": "classification",
        "source_language": "en",
        "languages": list(LANGUAGES),
        "overlap": 3,
        "max_overlap": 5,
        "ontology": {
            "labels": [
                {
                    "name": "positive",
                    "definition": "The customer is happy.",
                    "edge_cases": [],
                    "examples": [],
                },
                {
                    "name": "negative",
                    "definition": "The customer is unhappy.",
                    "edge_cases": [],
                    "examples": [],
                },
                {
                    "name": "neutral",
                    "definition": "Neither, or a question.",
                    "edge_cases": [],
                    "examples": [],
                },
            ]
        },
        "guidelines": {"en": "Pick the customer's feeling, not the agent's."},
        "settings": {"qualification": {"required": False}},
    }


def _active_project(organisation_id: int, name: str) -> tuple[int, str]:
    """An active project made by the projects service: (id, public id)."""
    from marketplace.projects import service as projects
    from marketplace.projects.models import ProjectState

    project = projects.create_project(organisation_id, _project_data(name))
    projects.set_project_state(project.id, ProjectState.ACTIVE, None)
    return project.id, project.public_id


class _Api:
    """The client API through Flask's test client, with the organisation's bearer token."""

    def __init__(self, app: Any, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> dict[str, Any]:
        response = self.client.get(path, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.get_data(as_text=True)[:500]}")
        body: dict[str, Any] = response.get_json()
        return body

    def upload(self, project: str, body: bytes) -> tuple[int, dict[str, Any], str | None]:
        response = self.client.post(
            f"/api/v1/projects/{project}/items?batch=bench",
            data=body,
            content_type="application/x-ndjson",
            headers=self.headers,
        )
        return response.status_code, response.get_json(silent=True) or {}, response.headers.get("Location")


def _ingest(
    api: _Api, dsn: str, project: str, body: bytes, n: int, *, per_phase_memory: bool, poll: float
) -> dict[str, Any]:
    """Upload ``body`` and poll the progress endpoint until every item's language is decided: the
    client's timings (wall clock, ``time.time()``, so they line up with the import row's own).

    The client polls ``/progress`` every ``poll`` seconds. The import's state and counts
    are sampled more often, but straight from its row on a connection of the benchmark's own, not
    through its ``Location``: reading an import through the API loads the raw upload with it (the
    ``content`` column, 21 MiB for 100,000 items) while the import runs, so fast polling there would
    slow the import it measures. What one such poll costs is measured twice, once while the import
    runs and once after.
    """
    import psycopg

    marks: dict[str, float] = {}
    peaks: dict[str, int] = {}
    #: The cost of one GET of the import's Location: while the import runs, and once it is done.
    location_poll: dict[str, Any] = {}
    progress_ms: list[float] = []

    def phase_peak(name: str) -> None:
        if per_phase_memory:
            peaks[name] = _rss_kib("VmHWM")
            _reset_peak_rss()

    def timed_get(path: str) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        answer = api.get(path)
        return 1000 * (time.perf_counter() - started), answer

    marks["start"] = time.time()
    status, answer, location = api.upload(project, body)
    marks["answered"] = time.time()
    if status not in (201, 202):
        raise RuntimeError(f"upload refused: {status} {json.dumps(answer)[:2000]}")
    import_id = answer["import"]["id"]
    phase_peak("upload")
    if location is not None:
        location_poll["running_ms"], state = timed_get(location)
        location_poll["running_state"] = state["state"]
    #: (time, items checked, items stored, items still pending detection or -1 when not polled).
    samples: list[tuple[float, int, int, int]] = []
    deadline = time.monotonic() + TIMEOUT_SECONDS
    next_progress = 0.0
    import_state = ""
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT state, processed, accepted FROM item_import WHERE public_id = %s", (import_id,)
            ).fetchone()
            assert row is not None
            now = time.time()
            import_state, processed, accepted = row
            if import_state == "storing":
                marks.setdefault("storing_seen", now)
            elif import_state == "succeeded" and "import_seen" not in marks:
                marks["import_seen"] = now
                phase_peak("import")
            elif import_state == "failed":
                raise RuntimeError(f"import failed: {json.dumps(api.get(location or '')['errors'])[:2000]}")
            pending = -1
            if time.monotonic() >= next_progress or import_state == "succeeded":
                next_progress = time.monotonic() + poll
                ms, progress = timed_get(f"/api/v1/projects/{project}/progress")
                progress_ms.append(ms)
                detection = progress["language_detection"]
                pending = detection["pending"] + n - progress["total"]
                if progress["total"] == n and pending == 0 and progress["imports_in_progress"] == 0:
                    marks["done_seen"] = time.time()
                    samples.append((now, processed, accepted, 0))
                    break
            samples.append((now, processed, accepted, pending))
            if time.monotonic() > deadline:
                raise RuntimeError(f"not done after {TIMEOUT_SECONDS} s: import {import_state}")
            time.sleep(IMPORT_POLL_SECONDS if import_state != "succeeded" else poll)
    phase_peak("detection")
    if location is not None:
        location_poll["done_ms"], _state = timed_get(location)
    return {
        "marks": marks,
        "peaks_kib": peaks,
        "polls": len(progress_ms),
        "progress_ms": progress_ms,
        "location_poll": location_poll,
        "progress": progress,
        "samples": samples,
    }


def _half_rates(
    samples: Sequence[tuple[float, int, int, int]],
    column: int,
    n: int,
    span: tuple[float, float],
    poll: float,
) -> tuple[float, float] | None:
    """Items/s of a phase's first and second half of the items, from the samples (the half is
    reached at the first sample past it): a second half much slower than the first means a cost
    that grows with the items already done. None for a phase too short for the sampling interval."""
    start, end = span
    interval = poll if column == 3 else IMPORT_POLL_SECONDS
    if end - start < 20 * interval:
        return None
    rows = [row for row in samples if start <= row[0] <= end and row[column] >= 0]
    done = (lambda row: n - row[3]) if column == 3 else (lambda row: row[column])
    half = next((row[0] for row in rows if done(row) >= n / 2), None)
    if half is None or not start < half < end:
        return None
    return (n / 2) / (half - start), (n / 2) / (end - half)


def _import_row(project_id: int) -> dict[str, float]:
    """The import's own timestamps (set by the request and the job), as seconds since the epoch."""
    from sqlalchemy import select

    from marketplace.db import get_session
    from marketplace.projects.models import ItemImport

    session = get_session()
    row = session.execute(
        select(ItemImport.created_at, ItemImport.started_at, ItemImport.finished_at).where(
            ItemImport.project_id == project_id
        )
    ).one()
    session.commit()
    return {
        name: (value.timestamp() if isinstance(value, datetime) else 0.0)
        for name, value in row._asdict().items()
    }


def _outcome(project_id: int) -> dict[str, Any]:
    """Where the items ended: per state, and how many got the language they were written in."""
    from sqlalchemy import text

    from marketplace.db import get_session

    session = get_session()
    rows = session.execute(
        text(
            "SELECT state, count(*), count(*) FILTER (WHERE language = client_metadata->>'written_in'),"
            " count(*) FILTER (WHERE language IS NOT NULL AND language <> client_metadata->>'written_in')"
            " FROM item WHERE project_id = :project GROUP BY state"
        ),
        {"project": project_id},
    ).all()
    reasons = session.execute(
        text(
            "SELECT triage_reason, count(*) FROM item WHERE project_id = :project AND state = 'triage'"
            " GROUP BY triage_reason ORDER BY 2 DESC"
        ),
        {"project": project_id},
    ).all()
    session.commit()
    return {
        "states": {state: int(count) for state, count, _right, _wrong in rows},
        "as_written": sum(int(right) for _state, _count, right, _wrong in rows),
        "misrouted": sum(int(wrong) for _state, _count, _right, wrong in rows),
        "triage_reasons": {str(reason): int(count) for reason, count in reasons},
    }


def _floor(dsn: str, organisation_id: int, n: int) -> dict[str, Any]:
    """The same N rows by a bare COPY into a fresh project's batch, committed. The project, the
    batch, the connection and the rows are made before the clock starts."""
    import psycopg

    from marketplace.db import get_session, utcnow
    from marketplace.ids import new_public_id
    from marketplace.languages.codes import normalize_language
    from marketplace.projects.models import Batch

    project_id, _public = _active_project(organisation_id, "Floor")
    session = get_session()
    batch = Batch(project_id=project_id, name="floor")
    session.add(batch)
    session.commit()
    batch_id = batch.id
    now = utcnow()
    rows = []
    for record in make_records(n):
        declared = record.get("language")
        rows.append(
            (
                new_public_id("itm"),
                project_id,
                batch_id,
                record["external_id"],
                json.dumps(record["payload"], ensure_ascii=False),
                json.dumps(record["metadata"], ensure_ascii=False),
                normalize_language(declared) if declared and declared != "und" else None,
                "awaiting_language",
                now,
            )
        )
    columns = (
        "public_id, project_id, batch_id, external_id, payload, client_metadata, declared_language,"
        " state, created_at"
    )
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT 1")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY item ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - start
        stored = conn.execute("SELECT count(*) FROM item WHERE project_id = %s", (project_id,)).fetchone()
    return {"floor_s": seconds, "floor_rows": int(stored[0]) if stored else 0}


def _detect_only(n: int) -> float:
    """``detect_language`` on the same texts with the hints the job gives, no database."""
    from marketplace.languages import detect_language
    from marketplace.languages.codes import normalize_language

    work = [
        (
            record["payload"]["text"],
            normalize_language(record["language"]) if record.get("language") not in (None, "und") else None,
        )
        for record in make_records(n)
    ]
    start = time.perf_counter()
    for text, hint in work:
        detect_language(text, hint=hint)
    return time.perf_counter() - start


def _print_profile(profiler: cProfile.Profile, n: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"--- cProfile of the {n:,}-item ingest (jobs inline), by cumulative time (top 30) ---\n")
    stats.sort_stats("cumulative").print_stats(30)
    out.write(f"--- cProfile of the {n:,}-item ingest, by own time (top 25) ---\n")
    stats.sort_stats("tottime").print_stats(25)
    out.write(f"--- cProfile of the {n:,}-item ingest, marketplace/ only, by cumulative time (top 40) ---\n")
    stats.sort_stats("cumulative").print_stats(r"marketplace/", 40)
    print(out.getvalue().strip(), flush=True)


def one_size(n: int, app_url: str, dsn: str, args: argparse.Namespace) -> dict[str, Any]:
    """Everything measured for one size, in this (fresh) process."""
    from marketplace import create_app
    from marketplace.accounts import service as accounts
    from marketplace.projects import organisations

    profile, heap, poll = args.profile, args.heap, args.poll
    jobs_mode = "inline" if profile else args.jobs  # one profiler sees one thread
    detection_end = _DetectionEnd()
    detection_logger = logging.getLogger(DETECTION_LOGGER)
    detection_logger.addHandler(detection_end)
    if detection_logger.getEffectiveLevel() > logging.INFO:
        detection_logger.setLevel(logging.INFO)
    detection_logger.propagate = False  # keep the job's INFO lines out of the output

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": app_url,
            "REDIS_URL": None,
            "JOBS_MODE": jobs_mode,
        }
    )
    result: dict[str, Any] = {"size": n, "jobs": jobs_mode, "profiled": profile, "poll_s": poll}
    with app.app_context():
        organisation_id = organisations.create_organisation("Bench ingest").id
        _token, raw_token = accounts.issue_api_token(organisation_id, "bench")
        api = _Api(app, raw_token)
        _warmup_id, warmup = _active_project(organisation_id, "Warm-up")
        project_id, project = _active_project(organisation_id, "Bench")

    # Warm-up: one-time costs (lazy imports, the detector's models) are not the size's.
    _ingest(
        api, dsn, warmup, jsonl_body(WARMUP_ITEMS, "warm"), WARMUP_ITEMS, per_phase_memory=False, poll=poll
    )
    detection_end.times.clear()

    body = jsonl_body(n)
    gc.collect()
    result |= {"body_bytes": len(body), "rss_start_kib": _rss_kib(), "load_start": os.getloadavg()[0]}
    result["peak_reset"] = _reset_peak_rss()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    server_before = _server_cpu(dsn)
    cpu_before = time.process_time()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    try:
        per_phase = result["peak_reset"] and jobs_mode == "thread"
        ours = _ingest(api, dsn, project, body, n, per_phase_memory=per_phase, poll=poll)
    finally:
        if profiler is not None:
            profiler.disable()
    cpu = time.process_time() - cpu_before
    server_after = _server_cpu(dsn)
    server_cpu = (
        sum(seconds - server_before.get(pid, 0.0) for pid, seconds in server_after.items())
        if server_after
        else None
    )
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    del body
    # The poller may see the last item decided a moment before the job logs its end.
    waited = time.monotonic() + 5
    while not detection_end.times and time.monotonic() < waited:
        time.sleep(0.01)
    if profiler is not None:
        _print_profile(profiler, n)

    with app.app_context():
        row = _import_row(project_id)
        outcome = _outcome(project_id)
        marks = ours["marks"]
        start = marks["start"]
        detected_at = detection_end.times[-1] if detection_end.times else marks["done_seen"]
        samples, storing = ours["samples"], marks.get("storing_seen", 0.0)
        result |= {
            "total_s": detected_at - start,
            "seen_s": marks["done_seen"] - start,
            "answered_s": marks["answered"] - start,
            "upload_s": row["started_at"] - start,
            "import_s": row["finished_at"] - row["started_at"],
            "check_s": (marks["storing_seen"] - row["started_at"]) if "storing_seen" in marks else None,
            "detection_s": detected_at - row["finished_at"],
            "detection_logged": bool(detection_end.times),
            "half_rates": {
                "check": _half_rates(samples, 1, n, (row["started_at"], storing), poll),
                "store": _half_rates(samples, 2, n, (storing, row["finished_at"]), poll),
                "detect": _half_rates(samples, 3, n, (row["finished_at"], detected_at), poll),
            },
            "polls": ours["polls"],
            "progress_ms": ours["progress_ms"],
            "location_poll": ours["location_poll"],
            "cpu_s": cpu,
            "server_cpu_s": server_cpu,
            "maxrss_before_kib": maxrss_before,
            "maxrss_after_kib": maxrss_after,
            "phase_peaks_kib": ours["peaks_kib"],
            "outcome": outcome,
            "detection": ours["progress"]["language_detection"],
            "load_end": os.getloadavg()[0],
        }
        result |= _floor(dsn, organisation_id, n)
        result["detect_only_s"] = _detect_only(n)

        if heap:
            _heap_id, heap_project = _active_project(organisation_id, "Heap")
            body = jsonl_body(n)
            gc.collect()
            tracemalloc.start()
            try:
                traced = _ingest(api, dsn, heap_project, body, n, per_phase_memory=False, poll=poll)
                _, heap_peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            marks = traced["marks"]
            result |= {"heap_peak": heap_peak, "traced_s": marks["done_seen"] - marks["start"]}

    executor = app.extensions.get("job_executor")
    if executor is not None:
        executor.shutdown(wait=True)
    app.extensions["db_engine"].dispose()
    return result


def child_main(n: int, args: argparse.Namespace) -> int:
    """``--one-size N``: measure one size and print the result as one JSON line."""
    app_url, dsn = os.environ[URL_ENV].split(" ", 1)
    result = one_size(n, app_url, dsn, args)
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


# --- the parent: one subprocess per size, then the table -----------------------------------------


def run_size(n: int, args: argparse.Namespace) -> dict[str, Any] | None:
    app_url, dsn, admin_dsn = database_urls(args.server, args.database)
    recreate_database(admin_dsn, args.database, app_url)
    argv = [sys.executable, "-m", "benchmarks.ingest", "--one-size", str(n), "--jobs", args.jobs]
    argv += ["--poll", str(args.poll)]
    if args.profile:
        argv.append("--profile")
    if args.heap:
        argv.append("--heap")
    env = {**os.environ, URL_ENV: f"{app_url} {dsn}", "PYTHONPATH": str(ROOT)}
    result: dict[str, Any] | None = None
    with subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith(RESULT_MARKER):
                result = json.loads(line[len(RESULT_MARKER) :])
            else:
                print(line, end="", flush=True)
    if child.returncode != 0 or result is None:
        print(f"size {n:,}: the measuring process failed (exit {child.returncode}); see above")
        return None
    return result


def _mib(kib_or_bytes: float | None, *, kib: bool = False) -> str:
    if kib_or_bytes is None:
        return "-"
    return f"{kib_or_bytes * (1024 if kib else 1) / MIB:.1f}"


def _peak_kib(r: dict[str, Any]) -> int:
    """The process's peak RSS during the ingest: the highest of the per-phase peaks (the mark is
    reset between phases, so ``ru_maxrss`` at the end only covers the last one) and ``ru_maxrss``."""
    return max([r["maxrss_after_kib"], *(r.get("phase_peaks_kib") or {}).values()])


def _rss_growth_kib(r: dict[str, Any]) -> int:
    """KiB the ingest added to the process's peak RSS over its resting size with the body built."""
    return max(0, _peak_kib(r) - r["rss_start_kib"])


def report(results: Sequence[dict[str, Any]]) -> None:
    print()
    first = results[0]
    mode = "inline (profiled: times include cProfile)" if first["profiled"] else first["jobs"]
    print(f"jobs: {mode}; {os.cpu_count()} CPUs; PostgreSQL on 127.0.0.1")
    header = (
        f"{'items':>8} {'total s':>8} {'items/s':>8} {'upload s':>8} {'import s':>8} {'detect s':>8} "
        f"{'COPY s':>7} {'COPY/ours':>9} {'det-only s':>10} {'peak MiB':>8} {'RSS+ MiB':>8}"
        + (f" {'heap MiB':>8}" if "heap_peak" in first else "")
    )
    print(header)
    print("-" * len(header))
    for r in results:
        total = r["total_s"]
        line = (
            f"{r['size']:>8,} {total:>8.2f} {r['size'] / total:>8,.0f} {r['upload_s']:>8.2f} "
            f"{r['import_s']:>8.2f} {r['detection_s']:>8.2f} {r['floor_s']:>7.3f} "
            f"{r['floor_s'] / total:>9.4f} {r['detect_only_s']:>10.2f} "
            f"{_mib(_peak_kib(r), kib=True):>8} {_mib(_rss_growth_kib(r), kib=True):>8}"
        )
        if "heap_peak" in r:
            line += f" {_mib(r['heap_peak']):>8}"
        print(line)
    print(
        "total: POST until the last item's language is decided (upload + import + detect); "
        "upload: POST until the import job starts; import: the job's parse, check and store (its "
        "started_at to finished_at); detect: import finished until the detection job logged its end; "
        "COPY: the floor, the same rows by a bare COPY; det-only: detect_language on the same texts, "
        "no database; peak: peak RSS of the measuring process during the ingest; RSS+: peak minus "
        "the resting RSS with the body built"
        + ("; heap: tracemalloc peak of a second, traced ingest" if "heap_peak" in first else "")
    )
    for r in results:
        states = r["outcome"]["states"]
        ready, triage = states.get("ready", 0), states.get("triage", 0)
        check = (
            f", check {r['check_s']:.2f} s + store {r['import_s'] - r['check_s']:.2f} s"
            if r["check_s"]
            else ""
        )
        server_cpu = "-" if r["server_cpu_s"] is None else f"{r['server_cpu_s']:.1f}"
        print(
            f"  {r['size']:,} items ({r['body_bytes'] / MIB:.1f} MiB of JSON Lines): POST answered in "
            f"{r['answered_s']:.2f} s{check}; the client saw it done {r['seen_s']:.2f} s after the POST "
            f"(polling every {r['poll_s']:g} s); CPU: this process {r['cpu_s']:.1f} s, PostgreSQL "
            f"{server_cpu} s, over {r['seen_s']:.1f} s wall; "
            f"load average {r['load_start']:.1f} → {r['load_end']:.1f}"
        )
        print(
            f"    outcome: ready {ready:,}, triage {triage:,} "
            f"({', '.join(f'{k} {v:,}' for k, v in r['outcome']['triage_reasons'].items())}); "
            f"routed as written {r['outcome']['as_written']:,}, routed as another language "
            f"{r['outcome']['misrouted']:,}; floor COPY stored {r['floor_rows']:,} rows"
        )
        peaks = r.get("phase_peaks_kib") or {}
        line = f"    memory: resting {_mib(r['rss_start_kib'], kib=True)} MiB with the body built"
        if peaks:
            line += "; peak per phase " + ", ".join(f"{k} {_mib(v, kib=True)} MiB" for k, v in peaks.items())
        if "traced_s" in r:
            line += f"; the traced ingest took {r['traced_s']:.1f} s"
        if not r["peak_reset"]:
            line += " (peak mark could not be reset: ru_maxrss includes setup)"
        print(line)
        polls = r["progress_ms"]
        line = (
            f"    polls: GET /progress {len(polls)} times, {sum(polls) / len(polls):.0f} ms mean, "
            f"{max(polls):.0f} ms max"
        )
        location = r["location_poll"]
        if "running_ms" in location:
            line += (
                f"; one GET of the import's Location took {location['running_ms']:.0f} ms while the import "
                f"was {location['running_state']}, {location['done_ms']:.0f} ms once it was done"
            )
        print(line)
        halves = {name: pair for name, pair in (r.get("half_rates") or {}).items() if pair}
        if halves:
            print(
                "    items/s, first half of the items → second half: "
                + ", ".join(f"{name} {a:,.0f} → {b:,.0f}" for name, (a, b) in halves.items())
                + (" (check's first half includes parsing)" if "check" in halves else "")
            )
        if not r["detection_logged"]:
            print("    (the detection job logged no end: detect s runs until the poller saw it done)")
    if len(results) > 1:
        small, large = results[0], results[-1]
        print()
        scale = large["size"] / small["size"]
        print(
            f"{large['size']:,} ÷ {small['size']:,} items (flat memory: near 1; linear time: near {scale:g}):"
        )
        pairs = [
            ("total time", small["total_s"], large["total_s"]),
            ("peak RSS", _peak_kib(small), _peak_kib(large)),
            ("RSS growth", _rss_growth_kib(small), _rss_growth_kib(large)),
        ]
        if "heap_peak" in small:
            pairs.append(("tracemalloc heap peak", small["heap_peak"], large["heap_peak"]))
        for label, a, b in pairs:
            print(f"  {label:<22} ratio {b / a if a else float('nan'):.2f}")
    target = next((r for r in results if r["size"] == TARGET_ITEMS), None)
    if target is not None:
        met = target["total_s"] < TARGET_SECONDS
        print()
        print(
            f"target: {TARGET_ITEMS:,} items in under {TARGET_SECONDS:g} s: {target['total_s']:.1f} s, "
            f"{'met' if met else 'NOT met'}"
            + (" (profiled run: not comparable)" if target["profiled"] else "")
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in DEFAULT_SIZES),
        help="item counts, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help="PostgreSQL server URL (default: %(default)s)"
    )
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help="scratch database, dropped first (default: %(default)s)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database (the last size's) at the end"
    )
    parser.add_argument(
        "--jobs",
        choices=("thread", "inline"),
        default="thread",
        help="JOBS_MODE of the app: background threads (default) or inside the upload request",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of each ingest (jobs inline)"
    )
    parser.add_argument("--heap", action="store_true", help="ingest once more under tracemalloc (slow)")
    parser.add_argument(
        "--poll",
        type=float,
        default=PROGRESS_POLL_SECONDS,
        help="seconds between the client's GET /progress polls (default: %(default)s)",
    )
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_size is not None:
        return child_main(args.one_size, args)

    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",") if part.strip()]
    _app_url, _dsn, admin_dsn = database_urls(args.server, args.database)
    results: list[dict[str, Any]] = []
    try:
        for n in sizes:
            print(f"size {n:,}: fresh database {args.database}, measuring in a fresh process...", flush=True)
            result = run_size(n, args)
            if result is None:
                return 1
            results.append(result)
    finally:
        if not args.keep:
            drop_database(admin_dsn, args.database)
    report(results)
    return 0 if all(r["outcome"]["states"].get("awaiting_language", 0) == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
