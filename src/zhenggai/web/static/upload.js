// Drag and drop onto the upload box, and a progress bar while the files travel.
// Without this script the form still works: the browser posts it and shows the result page.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  var chosen = document.getElementById("chosen");
  var bar = document.getElementById("progress");
  var status = document.getElementById("upload-status");
  // With the script the whole box is the button: hide the browser's own file control,
  // whose words follow the browser's language rather than the page's.
  form.classList.add("js");

  function showChosen() {
    var names = [];
    for (var i = 0; i < input.files.length; i++) { names.push(input.files[i].name); }
    chosen.textContent = names.length ? "已选择：" + names.join("、") : "";
  }
  input.addEventListener("change", showChosen);
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      showChosen();
      send();
    }
  });

  function send() {
    if (!input.files.length) { status.textContent = "请先选择要上传的文件。"; return; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "正在上传……";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(e.loaded * 100 / e.total);
        if (e.loaded === e.total) { status.textContent = "上传完成，正在检查……"; }
      }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        // The answer is the page itself (after the redirect): go there, to the findings.
        window.location.assign(xhr.responseURL + "#check");
      } else {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var p = doc.querySelector("main p, p");
        status.textContent = p ? p.textContent : "上传失败（" + xhr.status + "），请重试。";
        bar.hidden = true;
      }
    });
    xhr.addEventListener("error", function () {
      status.textContent = "网络中断，上传没有完成，请重试。";
      bar.hidden = true;
    });
    xhr.send(new FormData(form));
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
})();
