using System.Runtime.CompilerServices;
using ActorRec.Actors.Internal;

namespace ActorRec.Actors;

/// <summary>
/// An ordered list of typed message handlers; the building block of <see cref="ReceiveActor"/> and of other actor
/// bases (e.g. persistent actors' command handlers). <see cref="TryHandle"/> allocates nothing.
/// </summary>
public sealed class HandlerSet
{
    private readonly IActorContext _context;
    private Handler[] _handlers = [];

    public HandlerSet(IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    public int Count => _handlers.Length;

    public void Add<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Append(new ActionHandler<T>(handler, shouldHandle));
    }

    public void Add<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Append(new FuncHandler<T>(handler));
    }

    public void AddAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Append(new AsyncHandler<T>(handler, shouldHandle, (ActorCell)_context));
    }

    /// <summary>Runs the first matching handler; false when none matched.</summary>
    public bool TryHandle(object message)
    {
        var handlers = _handlers;
        for (var i = 0; i < handlers.Length; i++)
        {
            if (handlers[i].TryHandle(message))
            {
                return true;
            }
        }
        return false;
    }

    private void Append(Handler handler)
    {
        var next = new Handler[_handlers.Length + 1];
        _handlers.CopyTo(next, 0);
        next[^1] = handler;
        _handlers = next;
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);

        protected static bool Match<T>(object message, Type type, bool exact, out T value)
        {
            // Sealed message types (the common case) match by exact type: one compare, no cast helper.
            if (exact)
            {
                if (message.GetType() == type)
                {
                    value = typeof(T).IsValueType ? (T)message : Unsafe.As<object, T>(ref message);
                    return true;
                }
                value = default!;
                return false;
            }
            if (message is T t)
            {
                value = t;
                return true;
            }
            value = default!;
            return false;
        }

        protected static bool IsExact(Type t) => t.IsSealed || t.IsValueType;
    }

    private sealed class ActionHandler<T>(Action<T> handler, Predicate<T>? shouldHandle) : Handler
    {
        private readonly Type _type = typeof(T);
        private readonly bool _exact = IsExact(typeof(T));

        public override bool TryHandle(object message)
        {
            if (Match<T>(message, _type, _exact, out var value) && (shouldHandle is null || shouldHandle(value)))
            {
                handler(value);
                return true;
            }
            return false;
        }
    }

    private sealed class FuncHandler<T>(Func<T, bool> handler) : Handler
    {
        private readonly Type _type = typeof(T);
        private readonly bool _exact = IsExact(typeof(T));

        public override bool TryHandle(object message) => Match<T>(message, _type, _exact, out var value) && handler(value);
    }

    private sealed class AsyncHandler<T>(Func<T, Task> handler, Predicate<T>? shouldHandle, ActorCell cell) : Handler
    {
        private readonly Type _type = typeof(T);
        private readonly bool _exact = IsExact(typeof(T));

        public override bool TryHandle(object message)
        {
            if (Match<T>(message, _type, _exact, out var value) && (shouldHandle is null || shouldHandle(value)))
            {
                cell.RunAsyncHandler(handler, value);
                return true;
            }
            return false;
        }
    }
}
