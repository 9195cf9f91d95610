/** /oauth2/authorize: FusionAuth's login form (`#loginId`, `#password`, one `<button class="blue button">`). */
import { Alerts, FieldError, Hidden } from "./layout.tsx";

export type LoginPageProps = {
  hidden: [string, string][];
  loginId: string;
  error?: string | null;
  info?: string | null;
  fieldErrors?: { loginId?: string; password?: string };
};

export function LoginPage(p: LoginPageProps) {
  const fe = p.fieldErrors ?? {};
  return (
    <form id="login-form" method="post" action="/oauth2/authorize" novalidate>
      <Alerts error={p.error} info={p.info} />
      <Hidden fields={p.hidden} />
      <label for="loginId">Email or username</label>
      <input
        id="loginId"
        name="loginId"
        type="text"
        value={p.loginId}
        autocomplete="username"
        autocapitalize="none"
        spellcheck={false}
        aria-describedby={fe.loginId ? "loginId-error" : undefined}
      />
      <FieldError id="loginId-error" message={fe.loginId} />
      <label for="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="current-password"
        aria-describedby={fe.password ? "password-error" : undefined}
      />
      <FieldError id="password-error" message={fe.password} />
      <button class="blue button" id="submit-button" type="submit">
        Submit
      </button>
    </form>
  );
}
