from django.conf import settings
from django.core.checks import Error, register

from filings.law.regimes import REGIMES


@register()
def filing_regime_is_known(app_configs, **kwargs):
    if settings.FILING_REGIME in REGIMES:
        return []
    return [
        Error(
            f"FILING_REGIME={settings.FILING_REGIME!r} is not a known rule set.",
            hint=f"Use one of: {', '.join(REGIMES)}.",
            id="filings.E001",
        )
    ]


def cjk_font_families() -> list[str]:
    """Font families fontconfig offers for Chinese (empty when none is installed)."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return []
    result = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False
    )
    return sorted({line.split(",")[0].strip() for line in result.stdout.splitlines() if line})


def harfbuzz_subsetter_available() -> bool:
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except (ImportError, OSError):
        return False
    return harfbuzz_subset is not None


@register("documents")
def pdf_rendering_is_ready(app_configs, **kwargs):
    from django.core.checks import Warning as CheckWarning

    warnings = []
    if not cjk_font_families():
        warnings.append(
            CheckWarning(
                "No Chinese (CJK) font is installed: Chinese text in PDFs would show as boxes.",
                hint="Install one, e.g. `apt-get install fonts-noto-cjk` (make setup does).",
                id="filings.W001",
            )
        )
    if not harfbuzz_subsetter_available():
        warnings.append(
            CheckWarning(
                "HarfBuzz's subsetter is missing: WeasyPrint falls back to a path about 90 times "
                "slower for CJK fonts.",
                hint="Install libharfbuzz-subset0 (make setup does).",
                id="filings.W002",
            )
        )
    return warnings
