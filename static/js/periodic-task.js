// django-celery-beat's periodic task form: the chosen crontab in words under the field (its own
// template had this inline; the Content-Security-Policy allows no inline script).
"use strict";
(function () {
  const $ = django.jQuery;
  const readableCrontabs = JSON.parse(document.getElementById("readable-crontabs").textContent);
  const originalHelp = document.currentScript.dataset.crontabHelp || "";
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    const help = $(".field-crontab .help");
    help.text(originalHelp);
    help.append("<br>", document.createTextNode(readableCrontabs[$("#id_crontab").val()] || ""));
  });
})();
