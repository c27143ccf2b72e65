using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Dispatch.Actors;

/// <summary>An immutable recipe for creating an actor: its type, how to construct it, its mailbox and supervisor strategy.</summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Type actorType, Func<ActorBase> factory, MailboxType? mailbox, SupervisorStrategy? supervisorStrategy)
    {
        ActorType = actorType;
        _factory = factory;
        Mailbox = mailbox;
        SupervisorStrategy = supervisorStrategy;
    }

    /// <summary>The type of actor these props create.</summary>
    public Type ActorType { get; }

    /// <summary>The mailbox type; null means the system's default.</summary>
    public MailboxType? Mailbox { get; }

    /// <summary>The strategy supervising the actor's children; null means the actor's own <c>SupervisorStrategy()</c>.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>Props creating the actor with <paramref name="factory"/>, e.g. <c>Props.Create(() =&gt; new Worker(queue))</c>; called again on every restart.</summary>
    public static Props Create<TActor>(Expression<Func<TActor>> factory)
        where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        var compiled = factory.Compile();
        return new Props(typeof(TActor), compiled, null, null);
    }

    /// <summary>Props creating <typeparamref name="TActor"/> through the public constructor matching <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">No public constructor takes those arguments.</exception>
    public static Props Create<TActor>(params object?[] args)
        where TActor : ActorBase => Create(typeof(TActor), args);

    /// <summary>Props creating an actor of <paramref name="actorType"/> through the public constructor matching <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="actorType"/> is not a concrete actor type, or no public constructor takes those arguments.</exception>
    public static Props Create(Type actorType, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(actorType);
        args ??= [null];
        if (!typeof(ActorBase).IsAssignableFrom(actorType) || actorType.IsAbstract)
        {
            throw new ArgumentException($"{actorType.FullName} is not a concrete actor type (it must derive from ActorBase).", nameof(actorType));
        }

        var constructor = FindConstructor(actorType, args)
            ?? throw new ArgumentException(
                $"{actorType.FullName} has no public constructor taking ({string.Join(", ", args.Select(a => a?.GetType().Name ?? "null"))}).",
                nameof(args));
        var arguments = (object?[])args.Clone();
        return new Props(actorType, () => Invoke(constructor, arguments), null, null);
    }

    /// <summary>These props with the given mailbox type.</summary>
    public Props WithMailbox(MailboxType mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        return new Props(ActorType, _factory, mailbox, SupervisorStrategy);
    }

    /// <summary>These props with <paramref name="strategy"/> supervising the actor's children.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new Props(ActorType, _factory, Mailbox, strategy);
    }

    /// <inheritdoc />
    public override string ToString() => $"Props({ActorType.Name})";

    internal ActorBase NewActor() => _factory();

    private static ConstructorInfo? FindConstructor(Type type, object?[] args)
    {
        foreach (var constructor in type.GetConstructors())
        {
            var parameters = constructor.GetParameters();
            if (parameters.Length != args.Length)
            {
                continue;
            }

            var match = true;
            for (var i = 0; i < args.Length && match; i++)
            {
                var parameterType = parameters[i].ParameterType;
                match = args[i] is null
                    ? !parameterType.IsValueType || Nullable.GetUnderlyingType(parameterType) is not null
                    : parameterType.IsInstanceOfType(args[i]);
            }

            if (match)
            {
                return constructor;
            }
        }

        return null;
    }

    private static ActorBase Invoke(ConstructorInfo constructor, object?[] args)
    {
        try
        {
            return (ActorBase)constructor.Invoke(args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
