// Imports a function no host provides: instantiation must fail, naming module, field and type.
__attribute__((import_module("env"), import_name("no_such_function"))) int no_such_function(int);

int main(void) { return no_such_function(3); }
