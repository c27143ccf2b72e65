namespace Dispatch.Actors;

/// <summary>The stash of one actor: a list in stash order, given back to the mailbox's front.</summary>
internal sealed class ActorStash(ActorCell cell) : IStash
{
    private readonly List<Envelope> _stashed = [];

    public int Count => _stashed.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope
            ?? throw new InvalidOperationException("Stash() can only be called while the actor processes a message.");
        if (_stashed.Count > 0 && _stashed[^1] == current)
        {
            throw new InvalidOperationException($"Cannot stash the same message twice: {current.Message}.");
        }

        _stashed.Add(current);
    }

    public void Unstash()
    {
        if (_stashed.Count == 0)
        {
            return;
        }

        var first = _stashed[0];
        _stashed.RemoveAt(0);
        cell.Mailbox.PushFront(first);
    }

    public void UnstashAll()
    {
        // The front is a stack: push newest first so the oldest comes out first.
        for (var i = _stashed.Count - 1; i >= 0; i--)
        {
            cell.Mailbox.PushFront(_stashed[i]);
        }

        _stashed.Clear();
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var dropped = _stashed.ToArray();
        _stashed.Clear();
        return dropped;
    }
}
