using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CausalEval.Dr.Local.Ui;

/// <summary>Readers look; operators also act (approve, reject, terminate).</summary>
public enum DashboardRole { Reader, Operator }

/// <param name="Person">The name given at sign-in: what actions are recorded under.</param>
/// <param name="Csrf">Sent back in every form: a cross-site page cannot read it, so it cannot forge an action.</param>
public sealed record DashboardSession(string Id, string Person, DashboardRole Role, string Csrf, DateTimeOffset ExpiresAt)
{
    public bool CanAct => Role == DashboardRole.Operator;
}

/// <summary>
/// Signed-in dashboard sessions, in memory: the cookie carries only a random id, so a restart signs everyone out and nothing
/// a browser holds is a credential for the API.
/// </summary>
public sealed class DashboardSessions(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, DashboardSession> sessions = new(StringComparer.Ordinal);

    public DashboardSession Start(string person, DashboardRole role)
    {
        foreach (var expired in sessions.Values.Where(s => s.ExpiresAt <= clock.GetUtcNow()))
        {
            sessions.TryRemove(expired.Id, out _);
        }

        var session = new DashboardSession(NewSecret(), person, role, NewSecret(), clock.GetUtcNow() + Lifetime);
        sessions[session.Id] = session;
        return session;
    }

    public DashboardSession? Find(string? id) =>
        id is not null && sessions.TryGetValue(id, out var session) && session.ExpiresAt > clock.GetUtcNow() ? session : null;

    public void End(string? id)
    {
        if (id is not null)
        {
            sessions.TryRemove(id, out _);
        }
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
