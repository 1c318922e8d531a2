using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CausalEval.Dr.Local.Ui;

/// <summary>The dashboard's page frame and escaping: every value from a record or a request goes through <see cref="E"/>.</summary>
public static class Html
{
    public static string E(object? value) => WebUtility.HtmlEncode(value?.ToString() ?? "");

    /// <summary>A whole page: no script or style from anywhere but this page (the CSP says so to the browser too).</summary>
    public static string Page(string title, DashboardSession? session, string body)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append(" · CausalEval.Dr</title>")
            .Append("<style>").Append(Style).Append("</style></head><body><header><a href=\"/ui\">CausalEval.Dr</a>");
        if (session is not null)
        {
            var role = session.Role.ToString().ToLowerInvariant();
            html.Append("<nav><a href=\"/ui/runs\">Runs</a> <a href=\"/ui/kpis\">KPIs</a></nav>")
                .Append("<span class=\"who\" data-role=\"").Append(role).Append("\">").Append(E(session.Person)).Append(" (").Append(role).Append(")</span>")
                .Append("<form method=\"post\" action=\"/ui/sign-out\">").Append(CsrfField(session)).Append("<button>Sign out</button></form>");
        }

        return html.Append("</header><main>").Append(body).Append("</main></body></html>").ToString();
    }

    /// <summary>A whole page as the response, HTML in UTF-8.</summary>
    public static IResult Result(string title, DashboardSession? session, string body, int status = StatusCodes.Status200OK) =>
        Results.Content(Page(title, session, body), "text/html; charset=utf-8", Encoding.UTF8, status);

    public static string CsrfField(DashboardSession session) => $"<input type=\"hidden\" name=\"csrf\" value=\"{E(session.Csrf)}\">";

    public static string Seconds(double seconds) => seconds < 120 ? $"{seconds:F1} s" : $"{seconds / 60:F1} min";

    private const string Style = """
        body{font:14px system-ui,sans-serif;margin:0;color:#1d2330}header{display:flex;gap:1.5em;align-items:center;padding:.6em 1.2em;
        background:#1d2330;color:#fff}header a{color:#fff;text-decoration:none;font-weight:600}header nav{flex:1}header form{margin:0}
        main{padding:1em 1.2em}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #e3e6ee}
        .succeeded{color:#17803d}.failed{color:#b42318}.muted{color:#8a93a6}form.filters{display:flex;gap:.6em;margin-bottom:1em}
        .error{color:#b42318}svg text{font:12px system-ui,sans-serif}li.not-run{color:#8a93a6}li.current{font-weight:600}
        li.waiting{font-weight:600;color:#b7791f}li.done{color:#17803d}
        """;
}
