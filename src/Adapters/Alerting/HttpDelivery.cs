using System.Net;

namespace CausalEval.Dr.Adapters.Alerting;

/// <summary>What an HTTP receiver's answer means for the outbox: delivered, retry (408, 429, 5xx, no answer), or give up.</summary>
internal static class HttpDelivery
{
    public static async Task<SendResult> PostAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return SendResult.Ok(code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var said = $"{code} {Shorten(body)}".TrimEnd();
            return response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || code >= 500
                ? SendResult.Retry(said, RetryAfterOf(response))
                : SendResult.GiveUp(said);
        }
        catch (HttpRequestException e)
        {
            return SendResult.Retry($"no answer: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendResult.Retry("no answer within the timeout");
        }
    }

    /// <summary>Retry-After as seconds or as an HTTP date; null when absent or in the past.</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } when date > DateTimeOffset.UtcNow => date - DateTimeOffset.UtcNow,
            _ => null,
        };

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
