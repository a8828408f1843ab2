"""Item language detection: script rules, the model, triage, hints and repeatability.

The texts are written for these tests (none comes from the system's catalogs), so the suite runs
the same on any machine.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from benchmarks.corpus import clean_message, folder_language, read_locale_texts
from benchmarks.language_detection import is_correct
from marketplace.languages import DetectionResult, detect_language, detect_languages
from marketplace.languages.cleaning import clean_text

# --- scripts that name their language ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Καλημέρα, τι κάνεις σήμερα;", "el"),
        ("გამარჯობა, როგორ ხარ?", "ka"),
        ("Բարև, ինչպե՞ս ես։", "hy"),
        ("שלום, מה שלומך היום?", "he"),
        ("สวัสดีครับ วันนี้อากาศดีมาก", "th"),
        ("안녕하세요, 오늘 날씨가 좋네요", "ko"),
        ("ファイルを開くことができません", "ja"),
        ("今日は天気がいいですね", "ja"),
        ("இந்த திரைப்படம் மிகவும் நன்றாக இருந்தது", "ta"),
        ("这个问题我们已经讨论过了", "zh-Hans"),
        ("這個問題我們已經討論過了", "zh-Hant"),
    ],
)
def test_scripts_that_name_their_language(text: str, language: str) -> None:
    result = detect_language(text)
    assert result.language == language
    assert result.method == "script"
    assert not result.needs_triage
    assert result.confidence >= 0.9


def test_short_korean_needs_no_model() -> None:
    # Two Hangul syllables are too short for any statistical model, yet unmistakably Korean.
    assert detect_language("감사").language == "ko"


def test_yiddish_is_not_hebrew() -> None:
    result = detect_language("דאָס איז אַ בוך און ער לייענט עס יעדן טאָג")
    assert result.language == "yi"
    assert not result.needs_triage


def test_han_characters_shared_by_chinese_and_japanese_are_not_guessed() -> None:
    # 設定 ("settings") is written the same in Traditional Chinese and Japanese.
    result = detect_language("設定")
    assert result.needs_triage
    assert result.reason == "ambiguous"
    assert result.language is None
    assert {code for code, _ in result.candidates} == {"zh-Hant", "ja"}


def test_declared_language_resolves_shared_han_characters() -> None:
    result = detect_language("設定", hint="ja")
    assert (result.language, result.method, result.needs_triage) == ("ja", "hint", False)
    # ... but not a declaration the characters rule out.
    assert detect_language("設定", hint="zh-Hans").needs_triage


def test_script_whose_languages_cannot_be_told_apart_needs_a_declaration() -> None:
    amharic = "ሰላም ነው ዛሬ ጥሩ ቀን ነው"
    result = detect_language(amharic)
    assert (result.needs_triage, result.reason) == (True, "unsupported")
    assert detect_language(amharic, hint="am").language == "am"
    assert not detect_language(amharic, hint="am").needs_triage


# --- the model on shared scripts ----------------------------------------------------------------

CLEAR_TEXTS = {
    "es": "El pedido llegó con tres días de retraso y la caja estaba completamente rota cuando la abrí.",
    "pt": "O produto chegou rapidamente, mas a bateria não dura nem metade do tempo que prometeram.",
    "fr": "Je voudrais savoir pourquoi ma commande n'est toujours pas arrivée après deux semaines.",
    "de": "Die Lieferung war pünktlich, aber das Gerät lässt sich seit gestern nicht mehr einschalten.",
    "it": "Il servizio clienti è stato gentile, però non hanno ancora risolto il mio problema con la fattura.",
    "nl": "Het pakket werd bij de buren afgeleverd en niemand heeft mij daarover een bericht gestuurd.",
    "pl": "Zamówienie dotarło szybko, ale instrukcja obsługi jest napisana w bardzo niezrozumiały sposób.",
    "ru": "Заказ пришёл вовремя, но в коробке не оказалось зарядного устройства и инструкции.",
    "tr": "Siparişim iki hafta önce verildi ama hâlâ kargoya teslim edilmediğini görüyorum.",
    "sv": "Jag beställde en ny telefon förra veckan men har fortfarande inte fått någon leveransbekräftelse.",
    "ar": "وصل الطلب متأخرا جدا وكانت العلبة مفتوحة عندما استلمتها من شركة الشحن.",
    "hi": "मेरा ऑर्डर समय पर नहीं पहुंचा और ग्राहक सेवा ने मेरे ईमेल का कोई जवाब नहीं दिया।",
    "vi": "Tôi đã đặt hàng hai tuần trước nhưng đến nay vẫn chưa nhận được sản phẩm nào cả.",
}


@pytest.mark.parametrize(("language", "text"), sorted(CLEAR_TEXTS.items()))
def test_clear_long_texts(language: str, text: str) -> None:
    result = detect_language(text)
    assert result.language == language
    assert not result.needs_triage
    assert result.confidence >= 0.9
    assert result.method in {"script", "model", "model+langdetect"}
    assert result.candidates[0][0] == language


def test_serbian_in_latin_letters_carries_its_script() -> None:
    result = detect_language("Поруџбина је стигла на време, али у кутији није било пуњача ни упутства.")
    assert result.language == "sr-Cyrl"  # Serbian has two scripts: the detected tag names the text's
    latin = detect_language(
        "Porudžbina je stigla na vreme, ali u kutiji nije bilo punjača ni uputstva za upotrebu."
    )
    assert latin.language in {None, "sr-Latn"}  # hr/bs/sr are close: triage is an acceptable answer


def test_close_relatives_on_a_short_text_go_to_triage_not_to_a_guess() -> None:
    result = detect_language("Tidak dapat membuka berkas")  # Indonesian and Malay both say this
    assert result.needs_triage or result.language in {"id", "ms"}
    if result.needs_triage:
        assert result.reason in {"ambiguous", "uncertain"}


# --- triage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "https://example.com/a/b?c=1", "1234 5678", "🙂🙂🙂", "%s {name}"]
)
def test_nothing_to_read_goes_to_triage(text: str) -> None:
    result = detect_language(text)
    assert result.needs_triage
    assert result.language is None
    assert result.reason == "empty"
    assert result.method == "none"


@pytest.mark.parametrize("text", ["OK", "Yes", "ab"])
def test_too_short_goes_to_triage_even_with_a_declaration(text: str) -> None:
    for hint in (None, "en"):
        result = detect_language(text, hint=hint)
        assert result.needs_triage
        assert result.language is None
        assert result.reason == "too_short"


def test_english_with_hindi_is_mixed() -> None:
    result = detect_language(
        "This movie was great and I loved the songs. यह फिल्म बहुत अच्छी थी और गाने भी अच्छे थे।"
    )
    assert result.needs_triage
    assert result.reason == "mixed"
    assert {code for code, _ in result.candidates} == {"en", "hi"}


def test_spanish_and_english_sentences_are_mixed() -> None:
    text = (
        "Me encantó la película, los actores son increíbles y la música también es preciosa. "
        "But the ending was terrible and honestly I want my money back from the cinema."
    )
    result = detect_language(text)
    assert result.needs_triage
    assert result.reason == "mixed"
    assert {code for code, _ in result.candidates} == {"es", "en"}


def test_brand_names_do_not_make_a_text_mixed() -> None:
    result = detect_language("Не удалось запустить Firefox: проверьте настройки GNOME и SQL")
    assert result.language == "ru"
    assert not result.needs_triage


# --- the declared language ---------------------------------------------------------------------


def test_declared_language_contradicted_by_clear_text_is_a_mismatch() -> None:
    result = detect_language(CLEAR_TEXTS["fr"], hint="es")
    assert result.needs_triage
    assert result.reason == "mismatch"
    assert result.language == "fr"


def test_declared_language_refines_the_detected_one() -> None:
    result = detect_language(CLEAR_TEXTS["pt"], hint="pt-BR")
    assert (result.language, result.needs_triage) == ("pt-BR", False)
    assert detect_language(CLEAR_TEXTS["pt"], hint="pt").language == "pt"


def test_unknown_declaration_is_ignored() -> None:
    assert detect_language(CLEAR_TEXTS["de"], hint="klingon") == detect_language(CLEAR_TEXTS["de"])


# --- the result ---------------------------------------------------------------------------------


def test_result_is_frozen_and_candidates_are_ordered() -> None:
    result = detect_language(CLEAR_TEXTS["it"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = "es"  # type: ignore[misc]
    probabilities = [p for _, p in result.candidates]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert 0.0 <= result.confidence <= 1.0
    assert isinstance(result, DetectionResult)


def test_clean_text_keeps_words_and_drops_noise() -> None:
    cleaned = clean_text("Mira <b>esto</b>: https://x.example/y @ana #oferta 50% %s {nombre} 🙂")
    assert cleaned == "Mira esto : oferta %"


def test_batch_matches_one_by_one() -> None:
    texts = [CLEAR_TEXTS["es"], "設定", "", CLEAR_TEXTS["ru"]]
    hints = [None, "ja", None, "uk"]
    assert detect_languages(texts, hints) == [
        detect_language(t, h) for t, h in zip(texts, hints, strict=True)
    ]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
    with pytest.raises(ValueError, match="one hint"):
        detect_languages(texts, hints[:2])


# --- repeatability ----------------------------------------------------------------------------

REPEAT_TEXTS = [
    CLEAR_TEXTS["es"],
    CLEAR_TEXTS["nl"],
    "Tidak dapat membuka berkas",
    "configurar opciones",
    "Me encanta, but it broke",
    "設定",
]


def _as_json(results: list[DetectionResult]) -> str:
    return json.dumps([dataclasses.asdict(result) for result in results], sort_keys=True)


def test_same_answer_in_another_process() -> None:
    script = (
        "import dataclasses, json, sys\n"
        "from marketplace.languages import detect_language\n"
        "texts = json.loads(sys.stdin.read())\n"
        "print(json.dumps([dataclasses.asdict(detect_language(t)) for t in texts], sort_keys=True))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(REPEAT_TEXTS),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    in_process = _as_json([detect_language(text) for text in REPEAT_TEXTS])
    assert json.loads(completed.stdout) == json.loads(in_process)


def test_same_answer_from_many_threads() -> None:
    expected = [detect_language(text) for text in REPEAT_TEXTS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            assert list(pool.map(detect_language, REPEAT_TEXTS)) == expected


def test_importing_loads_no_model() -> None:
    script = (
        "import sys, marketplace.languages\n"
        "print(any(name.split('.')[0] in {'py3langid', 'langdetect', 'numpy'} for name in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


# --- the benchmark's corpus reader and scoring (on a catalog made here) --------------------------


def test_benchmark_reads_catalogs_and_labels_folders(tmp_path: Path) -> None:
    assert folder_language("pt_BR") == "pt-BR"
    assert folder_language("zh_TW") == "zh-Hant"
    assert folder_language("zh_CN") == "zh-Hans"
    assert folder_language("sr@latin") == "sr-Latn"
    assert folder_language("en@quot") is None
    assert folder_language("locale.alias") is None
    assert clean_message("Open _File %s in <b>{name}</b>\\n") == "Open File in"

    root = tmp_path
    catalog = Catalog(locale="es")
    catalog.add("Could not open the file", "No se pudo abrir el archivo")
    catalog.add("Untranslated message", "Untranslated message")
    catalog.add("%s", "%s")
    buffer = BytesIO()
    write_mo(buffer, catalog)
    (root / "es" / "LC_MESSAGES").mkdir(parents=True)
    (root / "es" / "LC_MESSAGES" / "demo.mo").write_bytes(buffer.getvalue())
    assert read_locale_texts(root) == {"es": {"No se pudo abrir el archivo"}}

    assert is_correct("pt", "pt-BR")
    assert not is_correct("pt-PT", "pt-BR")
    assert not is_correct("sr", "sr-Latn")
    assert is_correct("nb", "no")
    assert not is_correct(None, "es")
