// The live total of the 100-point split. Without JavaScript the server checks the sum.
(function () {
  var inputs = document.querySelectorAll("input.points");
  var total = document.getElementById("total");
  if (!inputs.length || !total) return;
  function update() {
    var sum = 0;
    inputs.forEach(function (input) { sum += parseInt(input.value, 10) || 0; });
    total.textContent = sum;
    total.parentElement.classList.toggle("off", sum !== 100);
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  document.querySelector("[data-total]").hidden = false;
  update();
})();
