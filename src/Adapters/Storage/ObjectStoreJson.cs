using System.Text.Json;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Adapters.Storage;

/// <summary>Small JSON documents in the store (manifests, heartbeats, run records), checksummed like every object.</summary>
public static class ObjectStoreJson
{
    public static async Task<T> ReadJsonAsync<T>(this IObjectStore store, string key, CancellationToken cancellationToken = default) =>
        FromJson<T>(await store.ReadBytesAsync(key, cancellationToken), key);

    public static T FromJson<T>(byte[] json, string key) =>
        JsonSerializer.Deserialize<T>(json, DrJson.Indented) ?? throw new CorruptDataException($"'{key}' is empty");

    public static async Task<byte[]> ReadBytesAsync(this IObjectStore store, string key, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await store.ReadVerifiedAsync(key, buffer, cancellationToken);
        return buffer.ToArray();
    }

    public static async Task PutJsonAsync<T>(this IObjectStore store, string key, T value, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(value, DrJson.Indented));
        await store.PutAsync(key, body, cancellationToken);
    }
}
