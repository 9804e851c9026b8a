// Log-in: e-mail and password exchanged for a bearer token (POST /auth/token).

import { ApiError, request } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { login } from "../main.js";
import { errorText, field } from "../ui.js";

export function renderLogin(target) {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const remember = h("input", { type: "checkbox", name: "remember", checked: true, id: "remember" });
  const message = h("div", { role: "alert", class: "form-error" });
  const submit = h("button.primary", { type: "submit" }, t("login.submit"));
  const form = h(
    "form.card.login",
    {
      novalidate: false,
      onsubmit: async (event) => {
        event.preventDefault();
        message.textContent = "";
        submit.disabled = true;
        try {
          const answer = await request("POST", "/auth/token", {
            body: { email: email.value.trim(), password: password.value },
          });
          await login(answer.token, answer.user, remember.checked);
        } catch (error) {
          if (error instanceof ApiError && error.status === 401) message.textContent = t("login.failed");
          else if (error instanceof ApiError && error.status === 429) message.textContent = t("login.throttled");
          else message.textContent = errorText(error);
          submit.disabled = false;
        }
      },
    },
    h("h1", {}, t("login.title")),
    h("p.subtitle", {}, t("login.intro")),
    field(t("login.email"), email),
    field(t("login.password"), password),
    h("div.check", {}, remember, h("label", { for: "remember" }, t("login.remember"))),
    message,
    submit,
  );
  target.append(form);
  email.focus();
}
