namespace Dispatch.Actors;

/// <summary>Children: creation, naming, lookup and stopping.</summary>
internal sealed partial class ActorCell
{
    // Guarded by itself: the guardians' children are created from any thread.
    private readonly Dictionary<string, ChildRestartStats> _children = new(StringComparer.Ordinal);
    private HashSet<IActorRef>? _stoppingChildren;
    private bool _childrenClosed;
    private long _nameCounter;

    public IReadOnlyCollection<IActorRef> Children
    {
        get
        {
            lock (_children)
            {
                if (_children.Count == 0)
                {
                    return [];
                }

                var snapshot = new IActorRef[_children.Count];
                var i = 0;
                foreach (var stats in _children.Values)
                {
                    snapshot[i++] = stats.Child;
                }

                return snapshot;
            }
        }
    }

    private bool HasChildren
    {
        get
        {
            lock (_children)
            {
                return _children.Count > 0;
            }
        }
    }

    public IActorRef Child(string name)
    {
        lock (_children)
        {
            return _children.TryGetValue(name, out var stats) ? stats.Child : ActorRefs.Nobody;
        }
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is not InternalActorRef target)
        {
            return;
        }

        if (IsChild(actor))
        {
            (_stoppingChildren ??= []).Add(actor);
        }

        target.SendSystemMessage(Terminate.Instance);
    }

    internal IActorRef AttachChild(Props props, string? name) => CreateChild(props, name).SelfRef;

    internal ActorCell AttachGuardian(Props props, string name) => CreateChild(props, name);

    private ActorCell CreateChild(Props props, string? name)
    {
        if (name is null)
        {
            name = "$" + EncodeName(Interlocked.Increment(ref _nameCounter));
        }
        else if (!ActorPath.IsValidName(name))
        {
            throw new InvalidActorNameException(
                $"Invalid actor name '{name}' under {SelfRef.Path}: it must be non-empty, not start with '$', "
                + "and use only letters, digits and -_:@&=+,.!~*'$;%.");
        }

        var child = new ActorCell(SystemImpl, props, this, SelfRef.Path.Child(name));
        lock (_children)
        {
            if (_childrenClosed)
            {
                throw new InvalidOperationException($"Cannot create child '{name}': {SelfRef.Path} is terminating.");
            }

            if (!_children.TryAdd(name, new ChildRestartStats(child.SelfRef)))
            {
                throw new InvalidActorNameException($"Actor name '{name}' is not unique: {SelfRef.Path} already has a child with that name.");
            }
        }

        child.Start();
        return child;
    }

    private bool IsChild(IActorRef actor)
    {
        lock (_children)
        {
            return _children.TryGetValue(actor.Path.Name, out var stats) && ReferenceEquals(stats.Child, actor);
        }
    }

    private bool TryGetChildStats(IActorRef actor, out ChildRestartStats stats)
    {
        lock (_children)
        {
            if (_children.TryGetValue(actor.Path.Name, out var found) && ReferenceEquals(found.Child, actor))
            {
                stats = found;
                return true;
            }
        }

        stats = null!;
        return false;
    }

    private IReadOnlyCollection<ChildRestartStats> ChildrenStats
    {
        get
        {
            lock (_children)
            {
                return [.. _children.Values];
            }
        }
    }

    private bool RemoveChild(IActorRef actor)
    {
        _stoppingChildren?.Remove(actor);
        lock (_children)
        {
            return _children.TryGetValue(actor.Path.Name, out var stats)
                && ReferenceEquals(stats.Child, actor)
                && _children.Remove(actor.Path.Name);
        }
    }

    private void CloseChildren()
    {
        lock (_children)
        {
            _childrenClosed = true;
        }
    }

    private void SuspendChildren(IActorRef? except)
    {
        foreach (var child in Children)
        {
            if (!ReferenceEquals(child, except))
            {
                ((InternalActorRef)child).SendSystemMessage(Suspend.Instance);
            }
        }
    }

    private void ResumeChildren(Exception? causedByFailure, IActorRef? perpetrator)
    {
        foreach (var child in Children)
        {
            if (_stoppingChildren is not null && _stoppingChildren.Contains(child))
            {
                continue;
            }

            var cause = ReferenceEquals(child, perpetrator) ? causedByFailure : null;
            ((InternalActorRef)child).SendSystemMessage(new Resume(cause));
        }
    }

    private static string EncodeName(long number)
    {
        // Short, readable generated names: $a ... $z, $aa, $ab, ...
        Span<char> buffer = stackalloc char[16];
        var i = buffer.Length;
        do
        {
            number--;
            buffer[--i] = (char)('a' + (number % 26));
            number /= 26;
        }
        while (number > 0);

        return new string(buffer[i..]);
    }
}
