"""The JavaScript every sandbox QuickJS context runs first (see :mod:`.javascript`).

It defines ``__ctk_run(src, input, asFunction, expression)`` (bind ``$``, evaluate, keep the
value or the error; ``expression``, for a bounded script, is its completion expression, compiled
once: :mod:`.completion_expression`) and ``__ctk_finish(boundedOnly)`` (after the promise jobs
ran: convert the value as the server does, delete the globals the script made unless the context
runs only bounded scripts, answer JSON). Between the two the sandbox runs the queued promise
jobs, as GraalJS does before an evaluation returns.

``$`` imitates what GraalJS shows of the server's Java input where that is exact and cheap:

* every map of the input is a Proxy whose ``in`` answers like a ``java.util.Map`` host object
  (``'key' in $`` is false, ``'size' in $`` true); ``hasOwnProperty``/``Object.hasOwn``/
  ``Object.getOwnPropertyDescriptor`` likewise; ``JSON.stringify`` writes such a map as ``{}``;
* ``list.sort()`` without a comparator throws the host's arity error, with one it sorts in
  place and answers ``undefined`` (``java.util.List.sort`` is void);
* the most used Java members work where no key of the same name hides them: ``size``,
  ``isEmpty``, ``get``, ``containsKey``, ``getOrDefault`` on maps; ``size``, ``isEmpty``,
  ``get``, ``contains``, ``add`` on lists (hidden, so keys, JSON and spreading do not show them);
* what cannot be reproduced is noted, for a warning: the keys of a map or list as
  ``Object.keys``/``values``/``entries``/``getOwnPropertyNames``/``assign``/``Reflect.ownKeys``
  see them (the server lists Java method names), and a map or list turned into a string (the
  server writes Java's ``{k=v}``/``[a, b]``).

Property reads, ``for...in``, spreading, ``Array.isArray``, ``typeof``, ``instanceof`` and the
array methods behave alike on both and stay plain.
"""

JS_PRELUDE = r"""
(function () {
  var g = globalThis;
  var realEval = g.eval, parse = JSON.parse, stringify = JSON.stringify;
  var getNames = Object.getOwnPropertyNames, keysOf = Object.keys, isArray = Array.isArray;
  var isInteger = Number.isInteger, defineProperty = Object.defineProperty;
  var hasOwn = Object.prototype.hasOwnProperty, getDescriptor = Object.getOwnPropertyDescriptor;
  var arraySort = Array.prototype.sort, arrayJoin = Array.prototype.join;
  var ProxyCtor = Proxy, WeakSetCtor = WeakSet, SetCtor = Set, MapCtor = Map;
  var getPrototype = Object.getPrototypeOf, ownKeys = Reflect.ownKeys;
  var LONG_MAX = 9223372036854775807, LONG_MIN = -9223372036854775808;
  // the members GraalJS lists for a java.util.LinkedHashMap (Object.keys($) on 3.32.1)
  var MAP_MEMBERS = new SetCtor(["get", "values", "clear", "replaceAll", "entrySet", "forEach",
    "keySet", "containsValue", "getOrDefault", "reversed", "sequencedKeySet", "sequencedValues",
    "sequencedEntrySet", "putFirst", "putLast", "remove", "size", "put", "clone", "isEmpty",
    "replace", "merge", "putAll", "putIfAbsent", "compute", "computeIfAbsent", "containsKey",
    "computeIfPresent", "equals", "toString", "hashCode", "firstEntry", "lastEntry",
    "pollFirstEntry", "pollLastEntry"]);
  var SORT_ARITY = "invokeMember (sort) on java.util.ArrayList failed due to: " +
    "Arity error - expected: 1 actual: 0";
  var hostMaps = new WeakSetCtor(), hostLists = new WeakSetCtor();
  var baseline = null, state = null;

  function note(code) { if (state) state.notes[code] = true; }
  function isHost(v) { return hostMaps.has(v) || hostLists.has(v); }
  function noteKeys(v) {
    if (hostMaps.has(v)) note("keys-map");
    else if (hostLists.has(v)) note("keys-list");
  }
  function ordinaryString(v) {
    return isArray(v) ? arrayJoin.call(v) : "[object Object]";
  }
  // 'key' in map is false on the server (true for the Java members). QuickJS's for...in asks
  // `has` for every key it is about to visit; for...in alone calls getPrototypeOf just before
  // ownKeys, so the keys that ownKeys then lists are answered true once each
  var forInArmed = new WeakSetCtor(), forInPending = new MapCtor();
  var mapHandler = {
    getPrototypeOf: function (target) {
      forInArmed.add(target);
      return getPrototype(target);
    },
    ownKeys: function (target) {
      var keys = ownKeys(target);
      if (forInArmed.has(target)) {
        forInArmed.delete(target);
        var pending = forInPending.get(target);
        if (!pending) forInPending.set(target, pending = new MapCtor());
        for (var i = 0; i < keys.length; i++) pending.set(keys[i], (pending.get(keys[i]) || 0) + 1);
      }
      return keys;
    },
    has: function (target, key) {
      forInArmed.delete(target);
      var pending = forInPending.get(target);
      if (pending && pending.get(key) > 0) {
        pending.set(key, pending.get(key) - 1);
        return true;
      }
      return typeof key === "string" ? MAP_MEMBERS.has(key) : key in target;
    }
  };
  function hostSort(comparator) {
    if (arguments.length === 0) {
      var error = new TypeError(SORT_ARITY);
      error.__ctk_host = true;
      throw error;
    }
    arraySort.call(this, comparator);
    return undefined;
  }
  function hide(target, key, value) {
    defineProperty(target, key, {value: value, writable: true, configurable: true, enumerable: false});
  }
  function mapToPrimitive() { note("string-map"); return "[object Object]"; }
  function listToPrimitive() { note("string-list"); return arrayJoin.call(this); }
  function mapToString() { note("string-map"); return "[object Object]"; }
  function listToString() { note("string-list"); return arrayJoin.call(this); }
  // the most used members of java.util.Map and java.util.List, where no key hides them
  var MAP_METHODS = {
    size: function () { return keysOf(this).length; },
    isEmpty: function () { return keysOf(this).length === 0; },
    get: function (key) { var v = this[key]; return v === undefined ? null : v; },
    containsKey: function (key) { return hasOwn.call(this, key); },
    getOrDefault: function (key, fallback) { return hasOwn.call(this, key) ? this[key] : fallback; }
  };
  var LIST_METHODS = {
    size: function () { return this.length; },
    isEmpty: function () { return this.length === 0; },
    get: function (index) { return this[index]; },
    contains: function (item) { return this.indexOf(item) >= 0; },
    add: function (item) { this.push(item); return true; }
  };
  function addMembers(target, members) {
    var names = keysOf(members);
    for (var i = 0; i < names.length; i++) {
      if (!hasOwn.call(target, names[i])) hide(target, names[i], members[names[i]]);
    }
  }
  // what addMembers and hide define on a map or list none of whose keys hides a member, as one
  // defineProperties call (same properties, same order): most inputs are such maps
  function hiddenValue(value) {
    return {value: value, writable: true, configurable: true, enumerable: false};
  }
  function hidden(members, extra, toPrimitive) {
    var out = {}, names = keysOf(members);
    for (var i = 0; i < names.length; i++) out[names[i]] = hiddenValue(members[names[i]]);
    for (var key in extra) out[key] = hiddenValue(extra[key]);
    out[Symbol.toPrimitive] = hiddenValue(toPrimitive);
    return out;
  }
  var defineAll = Object.defineProperties;
  var MAP_HIDDEN = hidden(MAP_METHODS, {toString: mapToString}, mapToPrimitive);
  var LIST_HIDDEN = hidden(LIST_METHODS, {sort: hostSort, toString: listToString}, listToPrimitive);
  function host(v) {
    if (v === null || typeof v !== "object") return v;
    if (isArray(v)) {
      for (var i = 0; i < v.length; i++) v[i] = host(v[i]);
      defineAll(v, LIST_HIDDEN);  // a parsed array has no own key but its indices and length
      hostLists.add(v);
      return v;
    }
    var names = keysOf(v), hides = false;
    for (var k = 0; k < names.length; k++) {
      v[names[k]] = host(v[names[k]]);
      if (names[k] === "toString" || hasOwn.call(MAP_METHODS, names[k])) hides = true;
    }
    if (hides) {
      addMembers(v, MAP_METHODS);
      hide(v, Symbol.toPrimitive, mapToPrimitive);
      hide(v, "toString", mapToString);
    } else {
      defineAll(v, MAP_HIDDEN);
    }
    var proxy = new ProxyCtor(v, mapHandler);
    hostMaps.add(proxy);
    return proxy;
  }

  // built-ins that see a host object's members rather than its entries
  function wrapKeys(holder, name) {
    var original = holder[name];
    var wrapper = function (target) { noteKeys(target); return original.apply(this, arguments); };
    defineProperty(wrapper, "name", {value: name});
    hide(holder, name, wrapper);
  }
  ["keys", "values", "entries", "getOwnPropertyNames", "getOwnPropertyDescriptors"].forEach(
    function (name) { wrapKeys(Object, name); });
  wrapKeys(Reflect, "ownKeys");
  var assign = Object.assign;
  hide(Object, "assign", function assign_(target) {
    for (var i = 1; i < arguments.length; i++) noteKeys(arguments[i]);
    return assign.apply(this, arguments);
  });
  defineProperty(Object.assign, "name", {value: "assign"});
  hide(Object.prototype, "hasOwnProperty", function hasOwnProperty(key) {
    if (hostMaps.has(this)) return MAP_MEMBERS.has(String(key));
    return hasOwn.call(this, key);
  });
  // Object.hasOwn (ES2022; GraalJS has it, this QuickJS not)
  hide(Object, "hasOwn", function hasOwn_(target, key) {
    if (hostMaps.has(target)) return MAP_MEMBERS.has(String(key));
    return hasOwn.call(Object(target), key);
  });
  defineProperty(Object.hasOwn, "name", {value: "hasOwn"});
  hide(Object, "getOwnPropertyDescriptor", function getOwnPropertyDescriptor(target, key) {
    if (hostMaps.has(target)) return undefined;
    return getDescriptor(target, key);
  });
  function hostFree(v) {
    return hostMaps.has(v) ? {} : v;
  }
  function withoutHostMaps(v, seen) {
    if (v === null || typeof v !== "object") return v;
    if (hostMaps.has(v)) return {};
    if (seen.has(v)) return seen.get(v);
    var copy = isArray(v) ? [] : {};
    seen.set(v, copy);
    var names = keysOf(v);
    for (var i = 0; i < names.length; i++) copy[names[i]] = withoutHostMaps(v[names[i]], seen);
    return copy;
  }
  hide(JSON, "stringify", function stringify_(value, replacer, space) {
    if (typeof replacer === "function") {
      var user = replacer;
      return stringify(value, function (key, v) { return hostFree(user.call(this, key, v)); }, space);
    }
    if (isArray(replacer)) return stringify(withoutHostMaps(value, new MapCtor()), replacer, space);
    return stringify(value, function (key, v) { return hostFree(v); }, space);
  });
  defineProperty(JSON.stringify, "name", {value: "stringify"});

  function num(v) {
    if (v !== v) return "NaN";
    if (v === Infinity) return "Infinity";
    if (v === -Infinity) return "-Infinity";
    if (isInteger(v)) {
      if (v === 0 && 1 / v < 0) return {"\u0000f": "-0.0"};
      // 2**63 itself does not fit a Java long: the server answers a double there
      if (v >= LONG_MIN && v < LONG_MAX) return v;
      return {"\u0000f": String(v)};
    }
    return v;
  }
  function conv(v, depth) {
    if (depth > 500) throw new RangeError("Maximum call stack size exceeded");
    if (v === null || v === undefined) return null;
    var t = typeof v;
    if (t === "number") return num(v);
    if (t === "boolean" || t === "string") return v;
    if (t === "bigint") return num(Number(v));
    if (t === "symbol" || t === "function") return {};
    if (isArray(v)) {
      var out = [];
      for (var i = 0; i < v.length; i++) out.push(conv(v[i], depth + 1));
      return out;
    }
    if (v instanceof Date) return {};
    if (v instanceof MapCtor) {
      var m = {};
      v.forEach(function (value, key) { m[String(key)] = conv(value, depth + 1); });
      return m;
    }
    var o = {};
    var keys = keysOf(v);
    for (var k = 0; k < keys.length; k++) o[keys[k]] = conv(v[keys[k]], depth + 1);
    return o;
  }
  function describe(e) {
    if (e instanceof Error) {
      return {kind: e.__ctk_host === true ? "host" : "error", name: String(e.name),
              message: String(e.message), text: String(e), stack: String(e.stack || "")};
    }
    var text;
    if (e === null || e === undefined || typeof e !== "object") text = String(e);
    else text = isArray(e) ? "Array" : "Error";
    return {kind: "value", text: text};
  }
  function clean() {
    var names = getNames(g), dirty = false;
    for (var i = 0; i < names.length; i++) {
      if (!baseline.has(names[i]) && !delete g[names[i]]) dirty = true;
    }
    return dirty;
  }
  // script text -> its completion expression compiled (engine/completion_expression.py), or
  // null when QuickJS refused it; bounded in size
  var compiled = new MapCtor(), COMPILED_MAX = 4096;
  function compiledFor(src, expression) {
    var f = compiled.get(src);
    if (f === undefined) {
      try { f = (0, realEval)("(function () { return (" + expression + "); })"); } catch (e) { f = null; }
      if (compiled.size >= COMPILED_MAX) compiled.clear();
      compiled.set(src, f);
    }
    return f;
  }
  // whether src was compiled (true), refused (false) or not seen (null): for tests
  g.__ctk_compiled = function __ctk_compiled(src) {
    var f = compiled.get(src);
    return f === undefined ? null : f !== null;
  };
  g.__ctk_run = function __ctk_run(src, input, asFunction, expression) {
    state = {notes: {}};
    forInPending = new MapCtor();
    try {
      g.$ = host(parse(input));
      var f = asFunction || typeof expression !== "string" ? null : compiledFor(src, expression);
      if (f !== null) {
        // an error is thrown again by eval below: with eval's text, line and stack
        try { state.value = f(); return; } catch (e) { /* eval answers */ }
      }
      if (asFunction) state.value = (new Function("$", src))(g.$);
      else state.value = (0, realEval)(src);
    } catch (e) {
      state.error = e;
    }
  };
  // boundedOnly: the context runs only scripts that create no globals (engine/bounded_scripts.py),
  // so there is nothing to delete but $, which the next evaluation binds again
  g.__ctk_finish = function __ctk_finish(boundedOnly) {
    var result;
    if ("error" in state) result = {err: describe(state.error)};
    else {
      try { result = {ok: conv(state.value, 0)}; } catch (e) { result = {err: describe(e)}; }
    }
    var codes = keysOf(state.notes);
    if (codes.length) result.notes = codes;
    state = null;
    result.dirty = boundedOnly === true ? false : clean();
    return stringify(result);
  };
  baseline = new SetCtor(getNames(g));
})();
"""
