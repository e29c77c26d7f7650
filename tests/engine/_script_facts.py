# ruff: noqa: E501  (recorded server texts, kept verbatim)
"""What the real server (3.32.1) answered to scripts, recorded for the script sandbox tests.

Each value was measured through ``POST /api/workflow/test`` (one task per case, the task
``optional`` where several cases share a workflow). ``test_scripts_server.py`` checks that the
server still answers them; ``test_script_sandbox.py`` checks the engine against them.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

# jq syntax errors: program -> reasonForIncompletion (jackson-jq's JavaCC parser)
JQ_SYNTAX_ERRORS: Dict[str, str] = {
    ".a |": 'Encountered "<EOF>" at line 1, column 4.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    ".[": 'Encountered "<EOF>" at line 1, column 2.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "]" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    ":" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    "{a:}": 'Encountered " "}" "} "" at line 1, column 4.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    ".a b": 'Encountered " <IDENTIFIER> "b "" at line 1, column 4.\nWas expecting one of:\n    <EOF> \n    "and" ...\n    "or" ...\n    "//" ...\n    "==" ...\n    "!=" ...\n    ">" ...\n    ">=" ...\n    "<" ...\n    "<=" ...\n    "+" ...\n    "-" ...\n    "*" ...\n    "/" ...\n    "%" ...\n    "=" ...\n    "|=" ...\n    "+=" ...\n    "-=" ...\n    "*=" ...\n    "/=" ...\n    "%=" ...\n    "//=" ...\n    "." ...\n    "[" ...\n    "?" ...\n    "|" ...\n    "," ...\n    "as" ...\n    ',
    "if . then 1": 'Encountered "<EOF>" at line 1, column 11.\nWas expecting one of:\n    "and" ...\n    "or" ...\n    "//" ...\n    "==" ...\n    "!=" ...\n    ">" ...\n    ">=" ...\n    "<" ...\n    "<=" ...\n    "+" ...\n    "-" ...\n    "*" ...\n    "/" ...\n    "%" ...\n    "=" ...\n    "|=" ...\n    "+=" ...\n    "-=" ...\n    "*=" ...\n    "/=" ...\n    "%=" ...\n    "//=" ...\n    "." ...\n    "[" ...\n    "|" ...\n    "," ...\n    "elif" ...\n    "else" ...\n    "as" ...\n    ',
    '"abc': 'Encountered "<EOF>" at line 1, column 4.\nWas expecting one of:\n    <ENDQUOTE> ...\n    <VISIBLE_CHAR> ...\n    <ESCAPE_CHAR> ...\n    <OPEN_INTERP> ...\n    <CODEPOINT_CHAR> ...\n    ',
    ".a ||| .b": 'Encountered " "|" "| "" at line 1, column 5.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    "[1,2": 'Encountered "<EOF>" at line 1, column 4.\nWas expecting one of:\n    "and" ...\n    "or" ...\n    "//" ...\n    "==" ...\n    "!=" ...\n    ">" ...\n    ">=" ...\n    "<" ...\n    "<=" ...\n    "+" ...\n    "-" ...\n    "*" ...\n    "/" ...\n    "%" ...\n    "=" ...\n    "|=" ...\n    "+=" ...\n    "-=" ...\n    "*=" ...\n    "/=" ...\n    "%=" ...\n    "//=" ...\n    "." ...\n    "[" ...\n    "]" ...\n    "|" ...\n    "," ...\n    "as" ...\n    ',
    "def f: ; f": 'Encountered " ";" "; "" at line 1, column 8.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    ". as x | x": 'Encountered " <IDENTIFIER> "x "" at line 1, column 6.\nWas expecting one of:\n    "[" ...\n    "$" ...\n    "{" ...\n    ',
    "reduce . as $x (0)": 'Encountered " ")" ") "" at line 1, column 18.\nWas expecting one of:\n    "and" ...\n    "or" ...\n    "//" ...\n    "==" ...\n    "!=" ...\n    ">" ...\n    ">=" ...\n    "<" ...\n    "<=" ...\n    "+" ...\n    "-" ...\n    "*" ...\n    "/" ...\n    "%" ...\n    "=" ...\n    "|=" ...\n    "+=" ...\n    "-=" ...\n    "*=" ...\n    "/=" ...\n    "%=" ...\n    "//=" ...\n    ";" ...\n    "." ...\n    "[" ...\n    "|" ...\n    "," ...\n    "as" ...\n    ',
    ".a.[0]": 'Encountered " "[" "[ "" at line 1, column 4.\nWas expecting one of:\n    <IDENTIFIER_AFTER_DOT> ...\n    "@" ...\n    "\\"" ...\n    ',
    ")": "Unexpected ')' at line 1, column 1.",
    ".foo bar baz": 'Encountered " <IDENTIFIER> "bar "" at line 1, column 6.\nWas expecting one of:\n    <EOF> \n    "and" ...\n    "or" ...\n    "//" ...\n    "==" ...\n    "!=" ...\n    ">" ...\n    ">=" ...\n    "<" ...\n    "<=" ...\n    "+" ...\n    "-" ...\n    "*" ...\n    "/" ...\n    "%" ...\n    "=" ...\n    "|=" ...\n    "+=" ...\n    "-=" ...\n    "*=" ...\n    "/=" ...\n    "%=" ...\n    "//=" ...\n    "." ...\n    "[" ...\n    "?" ...\n    "|" ...\n    "," ...\n    "as" ...\n    ',
    'import "a" as x; .': 'Encountered " "import" "import "" at line 1, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    '  import "a" as x; .': 'Encountered " "import" "import "" at line 1, column 3.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    'include "a"; .': 'Encountered " "include" "include "" at line 1, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    '\nimport "a" as x; .': 'Encountered " "import" "import "" at line 2, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    "1 +": 'Encountered "<EOF>" at line 1, column 3.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    "@": 'Encountered "<EOF>" at line 1, column 1.\nWas expecting one of:\n    <IDENTIFIER> ...\n    <IDENTIFIER> ...\n    <IDENTIFIER> ...\n    ',
    "?//": 'Encountered " "?" "? "" at line 1, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    "label $f | 1": 'Encountered " "label" "label "" at line 1, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
    ".[] as [$a] ?// $a | $a": 'Encountered " "?" "? "" at line 1, column 13.\nWas expecting:\n    "|" ...\n    ',
}

# JavaScript syntax errors in INLINE (javascript): expression -> reasonForIncompletion (GraalJS)
JS_SYNTAX_ERRORS: Dict[str, str] = {
    "1 +": "Error evaluating the script `SyntaxError: inline:1:3 Expected an operand but found eof\n1 +\n   ^\n` at line 1",
    "var": "Error evaluating the script `SyntaxError: inline:1:3 expected BindingIdentifier or BindingPattern\nvar\n   ^\n` at line 1",
    "(": "Error evaluating the script `SyntaxError: inline:1:1 Expected an operand but found eof\n(\n ^\n` at line 1",
    "function (": "Error evaluating the script `SyntaxError: inline:1:9 Expected ident but found (\nfunction (\n         ^\n` at line 1",
    "if (": "Error evaluating the script `SyntaxError: inline:1:4 Expected an operand but found eof\nif (\n    ^\n` at line 1",
    "x = {a:": "Error evaluating the script `SyntaxError: inline:1:7 Expected an operand but found eof\nx = {a:\n       ^\n` at line 1",
    '"abc': 'Error evaluating the script `SyntaxError: inline:1:4 Missing close quote\n"abc\n    ^\n` at line 1',
    "let let = 1": "Error evaluating the script `SyntaxError: inline:1:11 let is disallowed as a lexically bound name\nlet let = 1\n           ^\n` at line 1",
    "}": "Error evaluating the script `SyntaxError: inline:1:0 Expected eof but found }\n}\n^\n` at line 1",
    "1 ++ 2": "Error evaluating the script `SyntaxError: inline:1:0 Invalid left hand side for assignment\n1 ++ 2\n^\n` at line 1",
    "return 1": "Error evaluating the script `SyntaxError: inline:1:0 Invalid return statement\nreturn 1\n^\n` at line 1",
    "a b": "Error evaluating the script `SyntaxError: inline:1:2 Expected ; but found b\na b\n  ^\n` at line 1",
    "var x = 1;\nvar y = ;": "Error evaluating the script `SyntaxError: inline:2:8 Expected an operand but found ;\nvar y = ;\n        ^\n` at line 2",
    "\n\n  foo bar": "Error evaluating the script `SyntaxError: inline:3:6 Expected ; but found bar\n  foo bar\n      ^\n` at line 3",
    "class {": "Error evaluating the script `SyntaxError: inline:1:6 Expected ident but found {\nclass {\n      ^\n` at line 1",
    "`abc": "Error evaluating the script `SyntaxError: inline:1:4 Missing close quote\n`abc\n    ^\n` at line 1",
    "/(/": "Error evaluating the script `SyntaxError: inline:1:3 Unterminated group\n/(/\n   ^\n` at line 1",
    "const x;": 'Error evaluating the script `SyntaxError: inline:1:7 Missing assignment to constant "x"\nconst x;\n       ^\n` at line 1',
    "x => ": "Error evaluating the script `SyntaxError: inline:1:5 Expected an operand but found eof\nx => \n     ^\n` at line 1",
    "for (;;": "Error evaluating the script `SyntaxError: inline:1:7 Expected an operand but found eof\nfor (;;\n       ^\n` at line 1",
    "@": "Error evaluating the script `SyntaxError: inline:1:0 Expected an operand but found error\n@\n^\n` at line 1",
    "#": "Error evaluating the script `SyntaxError: inline:1:0 Expected an operand but found error\n#\n^\n` at line 1",
}

# the input of every INLINE case (plus evaluatorType and expression), as in the recording
INLINE_INPUT: Dict[str, Any] = {
    "list": [1, 2, 3],
    "nested": {"a": 1, "b": [1, 2]},
    "s": "x",
    "n": 1,
    "f": 1.5,
    "b": True,
    "nil": None,
    "empty": {},
    "elist": [],
    "objs": [{"a": 1}, {"b": 2}],
}

# INLINE (javascript) scripts that read the input as a whole object, each an optional task of one
# workflow: expression -> (task status, reasonForIncompletion, outputData.result)
INLINE_WHOLE_OBJECT: Dict[str, Tuple[str, Optional[str], Any]] = {
    "JSON.stringify($)": ("COMPLETED", None, "{}"),
    "JSON.stringify($.nested)": ("COMPLETED", None, "{}"),
    "JSON.stringify($.list)": ("COMPLETED", None, "[1,2,3]"),
    "JSON.stringify($.nested.b)": ("COMPLETED", None, "[1,2]"),
    "JSON.stringify({a: $.nested})": ("COMPLETED", None, '{"a":{}}'),
    "JSON.stringify([$.nested, 1])": ("COMPLETED", None, "[{},1]"),
    "JSON.stringify($.objs)": ("COMPLETED", None, "[{},{}]"),
    "JSON.stringify($, function(k, v){ return v })": ("COMPLETED", None, "{}"),
    "JSON.stringify($.nested, ['a'])": ("COMPLETED", None, "{}"),
    "JSON.parse(JSON.stringify($))": ("COMPLETED", None, {}),
    "JSON.stringify($, null, 1)": ("COMPLETED", None, "{}"),
    "$.nested.a = 7; JSON.stringify($.nested)": ("COMPLETED", None, "{}"),
    "JSON.stringify(JSON.parse('{\"a\":1}'))": ("COMPLETED", None, '{"a":1}'),
    "$.list.length": ("COMPLETED", None, 3),
    "$.list.map(function(x){return x*2})": ("COMPLETED", None, [2, 4, 6]),
    "Array.isArray($.list)": ("COMPLETED", None, True),
    "typeof $": ("COMPLETED", None, "object"),
    "$ instanceof Object": ("COMPLETED", None, True),
    "$.list instanceof Array": ("COMPLETED", None, True),
    "[...$.list]": ("COMPLETED", None, [1, 2, 3]),
    "'list' in $": ("COMPLETED", None, False),
    "'zzz' in $": ("COMPLETED", None, False),
    "'size' in $": ("COMPLETED", None, True),
    "$.hasOwnProperty('s')": ("COMPLETED", None, False),
    "$.hasOwnProperty('size')": ("COMPLETED", None, True),
    "Object.hasOwn($, 's')": ("COMPLETED", None, False),
    "Object.getOwnPropertyDescriptor($, 's')": ("COMPLETED", None, None),
    "$.zzz === undefined": ("COMPLETED", None, True),
    "$.list.sort(function(a,b){return b-a})": ("COMPLETED", None, None),
    "$.list.sort(function(a,b){return b-a}); $.list": ("COMPLETED", None, [3, 2, 1]),
    "$.list.sort()": (
        "COMPLETED_WITH_ERRORS",
        "Error evaluating the script `TypeError: invokeMember (sort) on java.util.ArrayList failed due to: Arity error - expected: 1 actual: 0` at line 1",
        None,
    ),
    "with ($) { s }": (
        "COMPLETED_WITH_ERRORS",
        "Error evaluating the script `ReferenceError: s is not defined` at line 1",
        None,
    ),
    "delete $.s; $.s": ("COMPLETED", None, None),
    "$.s = 'y'; $.s": ("COMPLETED", None, "y"),
    "(function(){var k=[];for (var x in $) k.push(x);return k.sort()})()": (
        "COMPLETED",
        None,
        [
            "b",
            "elist",
            "empty",
            "evaluatorType",
            "expression",
            "f",
            "list",
            "n",
            "nested",
            "nil",
            "objs",
            "s",
        ],
    ),
    "(function(){var k=[];for (var x in $.nested) k.push(x);return k.sort()})()": (
        "COMPLETED",
        None,
        ["a", "b"],
    ),
    "Object.keys({...$}).sort()": (
        "COMPLETED",
        None,
        [
            "b",
            "elist",
            "empty",
            "evaluatorType",
            "expression",
            "f",
            "list",
            "n",
            "nested",
            "nil",
            "objs",
            "s",
        ],
    ),
    "({...$.nested})": ("COMPLETED", None, {"a": 1, "b": [1, 2]}),
    "$.nested": ("COMPLETED", None, {"a": 1, "b": [1, 2]}),
    "$.list.slice(1)": ("COMPLETED", None, [2, 3]),
    "$.list.join('-')": ("COMPLETED", None, "1-2-3"),
    "$.list.reduce(function(a,b){return a+b},0)": ("COMPLETED", None, 6),
    "$.objs.map(function(o){ return o.a })": ("COMPLETED", None, [1, None]),
    "$.nested.b.indexOf(2)": ("COMPLETED", None, 1),
    "typeof $.list.map": ("COMPLETED", None, "function"),
    "Object.keys($).length": ("COMPLETED", None, 35),
    "Object.keys($.nested)": (
        "COMPLETED",
        None,
        [
            "get",
            "values",
            "clear",
            "replaceAll",
            "entrySet",
            "forEach",
            "keySet",
            "containsValue",
            "getOrDefault",
            "reversed",
            "sequencedKeySet",
            "sequencedValues",
            "sequencedEntrySet",
            "putFirst",
            "putLast",
            "remove",
            "size",
            "put",
            "clone",
            "isEmpty",
            "replace",
            "merge",
            "putAll",
            "putIfAbsent",
            "compute",
            "computeIfAbsent",
            "containsKey",
            "computeIfPresent",
            "equals",
            "toString",
            "hashCode",
            "firstEntry",
            "lastEntry",
            "pollFirstEntry",
            "pollLastEntry",
        ],
    ),
    "Object.values($.nested).length": ("COMPLETED", None, 35),
    "Object.entries($.nested).length": ("COMPLETED", None, 35),
    "Object.getOwnPropertyNames($).length": ("COMPLETED", None, 35),
    "Reflect.ownKeys($.nested).length": ("COMPLETED", None, 35),
    "Object.keys(Object.assign({}, $)).length": ("COMPLETED", None, 35),
    "Object.keys($.list).length": ("COMPLETED", None, 41),
    "String($)": (
        "COMPLETED",
        None,
        "{nil=null, evaluatorType=javascript, b=true, elist=[], expression=String($), s=x, f=1.5, list=[1, 2, 3], nested={a=1, b=[1, 2]}, n=1, empty={}, objs=[{a=1}, {b=2}]}",
    ),
    "String($.list)": ("COMPLETED", None, "[1, 2, 3]"),
    "'' + $.elist": ("COMPLETED", None, "[]"),
    "'x' + $.list": ("COMPLETED", None, "x[1, 2, 3]"),
    "$.list.toString()": ("COMPLETED", None, "[1, 2, 3]"),
    "$.nested.toString()": ("COMPLETED", None, "{a=1, b=[1, 2]}"),
    "String($.objs)": ("COMPLETED", None, "[{a=1}, {b=2}]"),
    "$.size()": ("COMPLETED", None, 12),
    "$.list.size()": ("COMPLETED", None, 3),
    "$.constructor === Object": ("COMPLETED", None, False),
    "(async function(){return 5})()": ("COMPLETED", None, {}),
    "Promise.resolve(3)": ("COMPLETED", None, {}),
    "var r = 0; Promise.resolve().then(function(){ r = 1 }); r": ("COMPLETED", None, 0),
    "var o = {a: 1}; Promise.resolve().then(function(){ o.a = 2 }); o": ("COMPLETED", None, {"a": 2}),
    "(async function(){ await null; throw new Error('late') })(); 2": ("COMPLETED", None, 2),
    "function f(){ return f() } f()": (
        "COMPLETED_WITH_ERRORS",
        "Error evaluating the script `RangeError: Maximum call stack size exceeded` at line 1",
        None,
    ),
    "Object.prototype.polluted = 1; 1": ("COMPLETED", None, 1),
    "({}).polluted": ("COMPLETED", None, None),
    "Array.prototype.extra = 5; [].extra": ("COMPLETED", None, 5),
    "[].extra": ("COMPLETED", None, None),
    "Object.hasOwn({a: 1}, 'a')": ("COMPLETED", None, True),
    "$.get('s')": ("COMPLETED", None, "x"),
    "$.get('zzz')": ("COMPLETED", None, None),
    "$.containsKey('s')": ("COMPLETED", None, True),
    "$.containsKey('zzz')": ("COMPLETED", None, False),
    "$.isEmpty()": ("COMPLETED", None, False),
    "$.empty.isEmpty()": ("COMPLETED", None, True),
    "$.getOrDefault('zzz', 5)": ("COMPLETED", None, 5),
    "$.getOrDefault('s', 5)": ("COMPLETED", None, "x"),
    "$.list.get(1)": ("COMPLETED", None, 2),
    "$.list.contains(2)": ("COMPLETED", None, True),
    "$.list.contains(9)": ("COMPLETED", None, False),
    "$.list.isEmpty()": ("COMPLETED", None, False),
    "$.elist.isEmpty()": ("COMPLETED", None, True),
    "$.list.add(4); $.list": ("COMPLETED", None, [1, 2, 3, 4]),
    "$.list.add(4)": ("COMPLETED", None, True),
    "$.nested.size()": ("COMPLETED", None, 2),
    "$.objs[0].get('a')": ("COMPLETED", None, 1),
    "(function(){var k=[];for (var x in $.list) k.push(x);return k})()": ("COMPLETED", None, [0, 1, 2]),
    "Object.keys({...$.list})": (
        "COMPLETED",
        None,
        [
            "remove",
            "size",
            "get",
            "equals",
            "hashCode",
            "clone",
            "sort",
            "indexOf",
            "clear",
            "lastIndexOf",
            "isEmpty",
            "replaceAll",
            "add",
            "subList",
            "toArray",
            "iterator",
            "contains",
            "spliterator",
            "addAll",
            "trimToSize",
            "set",
            "forEach",
            "ensureCapacity",
            "removeIf",
            "getFirst",
            "getLast",
            "addFirst",
            "addLast",
            "removeFirst",
            "removeLast",
            "removeAll",
            "retainAll",
            "listIterator",
            "toString",
            "containsAll",
            "stream",
            "parallelStream",
            "reversed",
        ],
    ),
}

# JSON_JQ_TRANSFORM programs that reach for the environment, files or modules, each an optional
# task of one workflow (input: only queryExpression): program -> (status, reason, outputData)
JQ_POWERS: Dict[str, Tuple[str, Optional[str], Dict[str, Any]]] = {
    "$ENV": ("COMPLETED_WITH_ERRORS", "Undefined variable: $ENV", {"error": "Undefined variable: $ENV"}),
    "$ENV.PATH": ("COMPLETED_WITH_ERRORS", "Undefined variable: $ENV", {"error": "Undefined variable: $ENV"}),
    "env": (
        "COMPLETED_WITH_ERRORS",
        "Function env/0 does not exist",
        {"error": "Function env/0 does not exist"},
    ),
    "env.PATH": (
        "COMPLETED_WITH_ERRORS",
        "Function env/0 does not exist",
        {"error": "Function env/0 does not exist"},
    ),
    "input": (
        "COMPLETED_WITH_ERRORS",
        "Function input/0 does not exist",
        {"error": "Function input/0 does not exist"},
    ),
    "inputs": (
        "COMPLETED_WITH_ERRORS",
        "Function inputs/0 does not exist",
        {"error": "Function inputs/0 does not exist"},
    ),
    "[inputs]": (
        "COMPLETED_WITH_ERRORS",
        "Function inputs/0 does not exist",
        {"error": "Function inputs/0 does not exist"},
    ),
    "input_filename": (
        "COMPLETED_WITH_ERRORS",
        "Function input_filename/0 does not exist",
        {"error": "Function input_filename/0 does not exist"},
    ),
    "$__loc__": (
        "COMPLETED_WITH_ERRORS",
        "Undefined variable: $__loc__",
        {"error": "Undefined variable: $__loc__"},
    ),
    "debug": (
        "COMPLETED_WITH_ERRORS",
        "Function debug/0 does not exist",
        {"error": "Function debug/0 does not exist"},
    ),
    'debug("x")': (
        "COMPLETED_WITH_ERRORS",
        "Function debug/1 does not exist",
        {"error": "Function debug/1 does not exist"},
    ),
    "stderr": (
        "COMPLETED_WITH_ERRORS",
        "Function stderr/0 does not exist",
        {"error": "Function stderr/0 does not exist"},
    ),
    "get_search_list": (
        "COMPLETED_WITH_ERRORS",
        "Function get_search_list/0 does not exist",
        {"error": "Function get_search_list/0 does not exist"},
    ),
    "$__prog_args": (
        "COMPLETED_WITH_ERRORS",
        "Undefined variable: $__prog_args",
        {"error": "Undefined variable: $__prog_args"},
    ),
    "halt": (
        "COMPLETED_WITH_ERRORS",
        "Function halt/0 does not exist",
        {"error": "Function halt/0 does not exist"},
    ),
    "halt_error": (
        "COMPLETED_WITH_ERRORS",
        "Function halt_error/0 does not exist",
        {"error": "Function halt_error/0 does not exist"},
    ),
    "halt_error(1)": (
        "COMPLETED_WITH_ERRORS",
        "Function halt_error/1 does not exist",
        {"error": "Function halt_error/1 does not exist"},
    ),
    "input_line_number": (
        "COMPLETED_WITH_ERRORS",
        "Function input_line_number/0 does not exist",
        {"error": "Function input_line_number/0 does not exist"},
    ),
    "now": (
        "COMPLETED_WITH_ERRORS",
        "Function now/0 does not exist",
        {"error": "Function now/0 does not exist"},
    ),
    "builtins": (
        "COMPLETED_WITH_ERRORS",
        "Function builtins/0 does not exist",
        {"error": "Function builtins/0 does not exist"},
    ),
    'getpath(["a"])': (
        "COMPLETED_WITH_ERRORS",
        "Function getpath/1 does not exist",
        {"error": "Function getpath/1 does not exist"},
    ),
    "[limit(3; repeat(1))]": (
        "COMPLETED_WITH_ERRORS",
        "Function repeat/1 does not exist",
        {"error": "Function repeat/1 does not exist"},
    ),
    "[repeat(1)]|length": (
        "COMPLETED_WITH_ERRORS",
        "Function repeat/1 does not exist",
        {"error": "Function repeat/1 does not exist"},
    ),
    "modulemeta": (
        "COMPLETED_WITH_ERRORS",
        "Function modulemeta/0 does not exist",
        {"error": "Function modulemeta/0 does not exist"},
    ),
    "get_prog_origin": (
        "COMPLETED_WITH_ERRORS",
        "Function get_prog_origin/0 does not exist",
        {"error": "Function get_prog_origin/0 does not exist"},
    ),
    "$JQ_BUILD_CONFIGURATION": (
        "COMPLETED_WITH_ERRORS",
        "Undefined variable: $JQ_BUILD_CONFIGURATION",
        {"error": "Undefined variable: $JQ_BUILD_CONFIGURATION"},
    ),
    "try env catch .": (
        "COMPLETED",
        None,
        {"result": "Function env/0 does not exist", "resultList": ["Function env/0 does not exist"]},
    ),
    "if false then env else 1 end": ("COMPLETED", None, {"result": 1, "resultList": [1]}),
    "def env: 5; env": ("COMPLETED", None, {"result": 5, "resultList": [5]}),
    "try input catch .": (
        "COMPLETED",
        None,
        {"result": "Function input/0 does not exist", "resultList": ["Function input/0 does not exist"]},
    ),
    "try debug catch .": (
        "COMPLETED",
        None,
        {"result": "Function debug/0 does not exist", "resultList": ["Function debug/0 does not exist"]},
    ),
    "[.[]?|env]": (
        "COMPLETED_WITH_ERRORS",
        "Function env/0 does not exist",
        {"error": "Function env/0 does not exist"},
    ),
    'import "a" as x; .': (
        "COMPLETED_WITH_ERRORS",
        'Encountered " "import" "import "" at line 1, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
        {
            "error": 'Encountered " "import" "import "" at line 1, column 1.\n'
            "Was expecting one of:\n"
            '    "-" ...\n'
            '    "(" ...\n'
            '    "." ...\n'
            '    ".." ...\n'
            '    "[" ...\n'
            '    "$" ...\n'
            '    "@" ...\n'
            '    "{" ...\n'
            '    "true" ...\n'
            '    "false" ...\n'
            '    "null" ...\n'
            "    <INTEGER_LITERAL> ...\n"
            "    <FLOAT_LITERAL> ...\n"
            '    "\\"" ...\n'
            '    "if" ...\n'
            '    "def" ...\n'
            '    "reduce" ...\n'
            '    "foreach" ...\n'
            '    "try" ...\n'
            "    <IDENTIFIER> ...\n"
            "    "
        },
    ),
    'include "a"; .': (
        "COMPLETED_WITH_ERRORS",
        'Encountered " "include" "include "" at line 1, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
        {
            "error": 'Encountered " "include" "include "" at line 1, column 1.\n'
            "Was expecting one of:\n"
            '    "-" ...\n'
            '    "(" ...\n'
            '    "." ...\n'
            '    ".." ...\n'
            '    "[" ...\n'
            '    "$" ...\n'
            '    "@" ...\n'
            '    "{" ...\n'
            '    "true" ...\n'
            '    "false" ...\n'
            '    "null" ...\n'
            "    <INTEGER_LITERAL> ...\n"
            "    <FLOAT_LITERAL> ...\n"
            '    "\\"" ...\n'
            '    "if" ...\n'
            '    "def" ...\n'
            '    "reduce" ...\n'
            '    "foreach" ...\n'
            '    "try" ...\n'
            "    <IDENTIFIER> ...\n"
            "    "
        },
    ),
    'import "/etc" as $c {search: "/"}; $c': (
        "COMPLETED_WITH_ERRORS",
        'Encountered " "import" "import "" at line 1, column 1.\nWas expecting one of:\n    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    ',
        {
            "error": 'Encountered " "import" "import "" at line 1, column 1.\n'
            "Was expecting one of:\n"
            '    "-" ...\n'
            '    "(" ...\n'
            '    "." ...\n'
            '    ".." ...\n'
            '    "[" ...\n'
            '    "$" ...\n'
            '    "@" ...\n'
            '    "{" ...\n'
            '    "true" ...\n'
            '    "false" ...\n'
            '    "null" ...\n'
            "    <INTEGER_LITERAL> ...\n"
            "    <FLOAT_LITERAL> ...\n"
            '    "\\"" ...\n'
            '    "if" ...\n'
            '    "def" ...\n'
            '    "reduce" ...\n'
            '    "foreach" ...\n'
            '    "try" ...\n'
            "    <IDENTIFIER> ...\n"
            "    "
        },
    ),
    '"\\($ENV)"': (
        "COMPLETED_WITH_ERRORS",
        "Undefined variable: $ENV",
        {"error": "Undefined variable: $ENV"},
    ),
    '{a: "$ENV"} | .a': ("COMPLETED", None, {"result": "$ENV", "resultList": ["$ENV"]}),
    "# $ENV\n1": ("COMPLETED", None, {"result": 1, "resultList": [1]}),
    "def f($ENV): $ENV; f(3)": ("COMPLETED", None, {"result": 3, "resultList": [3]}),
}

# SWITCH (evaluatorType javascript and graaljs alike) with inputParameters SWITCH_INPUT:
# expression -> (SWITCH status, selectedCase or reasonForIncompletion)
SWITCH_INPUT: Dict[str, Any] = {"s": "x", "list": [1, 3, 2], "m": {"a": 1}}
SWITCH_WHOLE_OBJECT: Dict[str, Tuple[str, str]] = {
    "JSON.stringify($)": ("COMPLETED", "{}"),
    "JSON.stringify($.m)": ("COMPLETED", "{}"),
    "Object.keys($).length": ("COMPLETED", "35"),
    "Object.keys($.m).length": ("COMPLETED", "35"),
    "'s' in $": ("COMPLETED", "false"),
    "'size' in $": ("COMPLETED", "true"),
    "(function(){var n=0; for (var k in $) n++; return n})()": ("COMPLETED", "3"),
    "String($.list)": ("COMPLETED", "[1, 3, 2]"),
    "'' + $.m": ("COMPLETED", "{a=1}"),
    "$.list.sort()": (
        "FAILED",
        "Error evaluating the script `TypeError: invokeMember (sort) on java.util.ArrayList failed due to: "
        "Arity error - expected: 1 actual: 0` at line 1",
    ),
    "$.hasOwnProperty('s')": ("COMPLETED", "false"),
    "({...$}).s": ("COMPLETED", "x"),
    "typeof $": ("COMPLETED", "object"),
    "Array.isArray($.list)": ("COMPLETED", "true"),
    "$.list.map(function(x){return x+1}).join('-')": ("COMPLETED", "2-4-3"),
}

# DO_WHILE with inputParameters SWITCH_INPUT, one INLINE task inside and the loopCondition
# "if ($.dw['iteration'] < 2 && (<probe>)) { true; } else { false; }": probe -> iterations run
# (2 when the probe is true on the server, 1 when false)
DO_WHILE_WHOLE_OBJECT: Dict[str, int] = {
    "JSON.stringify($.m) === '{}'": 2,
    "Object.keys($.m).length === 25": 2,
    "Object.keys($).length === 25": 2,
    "!('a' in $.m)": 2,
    "'size' in $.m": 2,
    "(function(){var n=0; for (var k in $.m) n++; return n === 1})()": 2,
    "String($.list) === '[1, 3, 2]'": 2,
    "$.m.hasOwnProperty('a') === false": 2,
    "JSON.stringify($.list) === '[1,3,2]'": 2,
    "JSON.stringify($) === '{}'": 2,
}

# INLINE scripts on time and promises (not optional): expression -> (status, reason, result)
SCRIPT_TIME_LIMIT_REASON = "Script not evaluated within 4 seconds, interrupted."
INLINE_ASYNC: Dict[str, Tuple[str, Optional[str], Any]] = {
    "(async function(){ await null; while(true){} })(); 1": ("FAILED", SCRIPT_TIME_LIMIT_REASON, None),
    "(async function(){ while(true){} })(); 1": ("FAILED", SCRIPT_TIME_LIMIT_REASON, None),
    "while(true){}": ("FAILED", SCRIPT_TIME_LIMIT_REASON, None),
}
# GraalJS's regex engine (TRegex) does not backtrack: the server answers at once
REGEX_BACKTRACKING = "/^(a+)+$/.test('a'.repeat(28)+'!')"
REGEX_BACKTRACKING_SERVER_RESULT = False
