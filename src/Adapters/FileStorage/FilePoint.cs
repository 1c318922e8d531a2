namespace CausalEval.Dr.Adapters.FileStorage;

/// <summary>One object in a point's state: its key, what its bytes hash to (the content's name in the backup store), and the
/// listing's size, time and entity tag the next run compares with.</summary>
public sealed record FileEntry(string Key, string Sha256, long Size, DateTimeOffset LastModified, string ETag);

/// <summary>A part of a point's state: a run of entries in key order, stored by the SHA-256 of its JSON (<c>parts/{sha}.json</c>),
/// so a part no change touched is the same object in every point that holds it.</summary>
public sealed record FilePartRef(string Sha256, string First, string Last, int Count);

/// <summary>What a run saw change: an object added, changed (new bytes) or deleted (a tombstone) since the point before.</summary>
public sealed record FileChange(string Key, string Op, string? Sha256, long Size, DateTimeOffset? LastModified);

/// <summary>
/// A file-storage backup point: the whole state of one region's file store as its listing saw it from <see cref="TakenAt"/> to
/// <see cref="CompletedAt"/> (every object with its content's hash), as parts shared with the points before it. Written last,
/// as <c>file-storage/points/{id}/point.json</c>: a point without it is unfinished and lists as such.
/// </summary>
/// <param name="Parent">The point this one was compared with (null: the first of its region; every object was read).</param>
/// <param name="CopiedObjects">Contents this run stored (a content the store held already is not copied again).</param>
/// <param name="Unreadable">Objects whose bytes did not match the store's own checksum on every try: kept as the point before had them (or
/// left out, if new), and named in the changes as "unreadable".</param>
public sealed record FilePoint(string Id, string Region, string Source, DateTimeOffset TakenAt, DateTimeOffset CompletedAt, string? Parent,
    long Objects, long Bytes, long Added, long Changed, long Deleted, long CopiedObjects, long CopiedBytes, IReadOnlyList<FilePartRef> Parts,
    int ChangePages, long Unreadable = 0);

/// <summary>
/// A run under way, saved after every page it finished (<c>points/{id}/progress.json</c>): where the listing goes on, the state
/// parts written so far and the entries of the part being filled. A run killed at any point starts again from here: the page it
/// was in is read again, contents already stored are not copied twice, and nothing it saw is lost.
/// </summary>
public sealed record FileScanProgress(string Id, string Region, string Source, DateTimeOffset TakenAt, string? Parent, string? After, bool Listed,
    string? LastKey, int Pages, List<FileEntry> Pending, List<FilePartRef> Parts, long Objects, long Bytes, long Added, long Changed, long Deleted,
    long CopiedObjects, long CopiedBytes, int ChangePages, long Unreadable = 0);
